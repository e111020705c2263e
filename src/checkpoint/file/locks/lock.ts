import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { LockAttempt, ThreadLockBackend } from "../../runLocks";
import type { LockHolder, LockKind } from "../../types";
import { writeFully } from "../io/io";

/**
 * Lock files: created atomically (link(2) of an owner file, which fails if the lock exists), naming who owns
 * them. Every lock has a lease: its holder renews it (the file's mtime) every LEASE/3 while it holds it, and a
 * lock not renewed for LOCK_LEASE_MS is stale whoever left it — a crashed window, a window on another host
 * (a laptop that changed networks, a rebuilt container), a pid since reused by an unrelated process. A lock of
 * this host whose process is gone (process.kill(pid, 0) fails with ESRCH) is stale at once.
 * `run` locks are held for a whole run (lockThread); `write` locks for one append.
 */
const LOCK_LEASE_MS = 30_000;
const RENEW_MS = LOCK_LEASE_MS / 3;

export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  kind: LockKind;
  at: string;
}

/** Locks held by this process per token, so a lock left by a closed saver in this same process is stale too. */
const heldTokens = new Map<string, number>();
const HOST = hostname();
const PROCESS_TOKEN = randomUUID();

export type AcquireResult = { ok: true; token: string } | { ok: false; owner: LockOwner | undefined };

/**
 * This process's owner file per lock directory and kind, written once: taking a lock is then a single
 * link(2) (creating and writing a file per acquisition measured 0.1–1.6 ms on a busy ext4 disk).
 */
const ownerFiles = new Map<string, string>();

function ownerFile(lockPath: string, kind: LockKind, fresh: boolean): string {
  const dir = dirname(lockPath);
  const key = `${dir}\u0000${kind}`;
  let file = ownerFiles.get(key);
  if (!file || fresh) {
    file = join(dir, `owner-${process.pid}-${kind}-${PROCESS_TOKEN.slice(0, 8)}`);
    const owner: LockOwner = { pid: process.pid, host: HOST, token: PROCESS_TOKEN, kind, at: new Date().toISOString() };
    writeFileSync(file, JSON.stringify(owner));
    ownerFiles.set(key, file);
    ownerTouched.set(file, Date.now());
  } else if (Date.now() - (ownerTouched.get(file) ?? 0) > RENEW_MS) {
    // A lock linked from it has the owner file's mtime: keep that fresh, or a new lock would look expired.
    touch(file);
    ownerTouched.set(file, Date.now());
  }
  return file;
}

const ownerTouched = new Map<string, number>();

function touch(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    /* gone: nothing to renew */
  }
}

/** Lock files this process holds, renewed every RENEW_MS while there are any. */
const heldPaths = new Set<string>();
let renewTimer: NodeJS.Timeout | undefined;

function markHeld(path: string, yes: boolean): void {
  if (yes) heldPaths.add(path);
  else heldPaths.delete(path);
  if (heldPaths.size > 0 && !renewTimer) {
    renewTimer = setInterval(() => {
      for (const lock of heldPaths) touch(lock);
    }, RENEW_MS);
    renewTimer.unref(); // a held lock never keeps the process alive
  } else if (heldPaths.size === 0 && renewTimer) {
    clearInterval(renewTimer);
    renewTimer = undefined;
  }
}

let noHardLinks = false;

/** Fallback where link(2) is unsupported: O_EXCL create, then write (a kill in between leaves an unreadable lock, broken after 2 s). */
function createExclusive(path: string, source: string): void {
  const fd = openSync(path, "wx");
  try {
    writeFully(fd, readFileSync(source), "lock");
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes the lock at `path`: hard-links this process's owner file there. link() fails if the lock exists,
 * so a lock file is never seen half-written (a kill between create and write would leave an unreadable lock).
 */
export function tryAcquire(path: string, kind: LockKind): AcquireResult {
  let source = ownerFile(path, kind, false);
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      if (noHardLinks) createExclusive(path, source);
      else linkSync(source, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!noHardLinks && (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS")) {
        noHardLinks = true; // a file system without hard links (some network or FAT volumes)
        continue;
      }
      if (code === "ENOENT") {
        source = ownerFile(path, kind, true); // our owner file was removed (e.g. the store was cleaned)
        continue;
      }
      if (code !== "EEXIST") throw error;
      const seen = readOwner(path);
      if (seen === "gone") continue;
      // Our own process keeps this lock as an idle lease (a saver between runs): end it and take the lock.
      const endLease =
        typeof seen === "object" && seen.pid === process.pid && seen.token === PROCESS_TOKEN
          ? leases.get(path)
          : undefined;
      if (endLease) {
        endLease();
        continue;
      }
      if (!isStale(path, seen)) return { ok: false, owner: seen === "unreadable" ? undefined : seen };
      breakLock(path, seen);
      continue;
    }
    heldTokens.set(PROCESS_TOKEN, (heldTokens.get(PROCESS_TOKEN) ?? 0) + 1);
    markHeld(path, true);
    return { ok: true, token: PROCESS_TOKEN };
  }
  return { ok: false, owner: undefined };
}

/**
 * Run locks a saver of this process keeps between runs (see FileSaver `leaseMs`), by lock path: how to end
 * each. Another saver of this process that wants the lock ends the lease at once instead of seeing a busy thread.
 */
const leases = new Map<string, () => void>();

function registerLease(path: string, end: () => void): void {
  leases.set(path, end);
}

function unregisterLease(path: string): void {
  leases.delete(path);
}

/** The lock at `path` is still the one this process took (not removed, not broken and re-taken by another). */
function stillHeld(path: string, token: string): boolean {
  const seen = readOwner(path);
  return typeof seen === "object" && seen.pid === process.pid && seen.token === token;
}

export function release(path: string, token: string): void {
  const held = (heldTokens.get(token) ?? 1) - 1;
  if (held > 0) heldTokens.set(token, held);
  else heldTokens.delete(token);
  markHeld(path, false);
  const seen = readOwner(path);
  // Only remove our own lock: a stale-lock breaker may have replaced it.
  if (typeof seen === "object" && seen.token === token) {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
}

/** Removes owner files left by processes that no longer run (called when a store opens). */
export function sweepOwnerFiles(locksDir: string): void {
  for (const name of readdirSync(locksDir)) {
    const pid = Number(/^owner-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || pidAlive(pid)) continue;
    try {
      unlinkSync(join(locksDir, name));
    } catch {
      /* another window swept it */
    }
  }
}

function readOwner(path: string): LockOwner | "gone" | "unreadable" {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    return typeof parsed.pid === "number" && typeof parsed.token === "string" ? parsed : "unreadable";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : "unreadable";
  }
}

function isStale(path: string, seen: LockOwner | "unreadable"): boolean {
  if (seen === "unreadable") {
    // Created but not yet written (or the writer died in between): give a live writer a moment.
    try {
      return Date.now() - statSync(path).mtimeMs > 2_000;
    } catch {
      return true;
    }
  }
  if (seen.host === HOST && seen.pid === process.pid) return !heldTokens.has(seen.token);
  if (leaseLeftMs(path) <= 0) return true; // not renewed: its holder is gone, whatever its host or pid says
  if (seen.host !== HOST) return false;
  return !pidAlive(seen.pid);
}

/** How long the lock at `path` stays valid unless its holder renews it (0 when gone). */
function leaseLeftMs(path: string): number {
  try {
    return LOCK_LEASE_MS - (Date.now() - statSync(path).mtimeMs);
  } catch {
    return 0;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function breakLock(path: string, seen: LockOwner | "unreadable"): void {
  // Re-read right before removing, so a lock another breaker just re-created is left alone.
  const again = readOwner(path);
  const same =
    typeof seen === "object" ? typeof again === "object" && again.token === seen.token : again === "unreadable";
  if (!same) return;
  try {
    unlinkSync(path);
  } catch {
    /* someone else broke it first */
  }
}

/** The thread locks of one store as lock files, for RunLocks. */
export function fileLockBackend(lockPathOf: (threadId: string) => string): ThreadLockBackend {
  return {
    tryAcquire(threadId: string, kind: LockKind): LockAttempt {
      const path = lockPathOf(threadId);
      const result = tryAcquire(path, kind);
      if (result.ok) return result;
      const expiresInMs = Math.max(0, leaseLeftMs(path));
      return {
        ok: false,
        holder: result.owner ? { ...holderOf(result.owner), expiresInMs } : { kind: "write", expiresInMs },
      };
    },
    release: (threadId, token) => release(lockPathOf(threadId), token),
    stillHeld: (threadId, token) => stillHeld(lockPathOf(threadId), token),
    leaseKept: (threadId, end) => registerLease(lockPathOf(threadId), end),
    leaseEnded: (threadId) => unregisterLease(lockPathOf(threadId)),
  };
}

function holderOf(owner: LockOwner): LockHolder {
  return { kind: owner.kind, pid: owner.pid, host: owner.host };
}
