import { closeSync, linkSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { LockAttempt, ThreadLockBackend } from "../runLocks";
import type { LockHolder, LockKind } from "../types";

/**
 * Lock files: created atomically (link(2) of an owner file, which fails if the lock exists), naming who owns
 * them. A lock whose process is gone (process.kill(pid, 0) fails with ESRCH) is stale and broken, so a crashed
 * window never blocks a thread forever.
 * `run` locks are held for a whole run (lockThread); `write` locks for one append.
 */

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
  }
  return file;
}

let noHardLinks = false;

/** Fallback where link(2) is unsupported: O_EXCL create, then write (a kill in between leaves an unreadable lock, broken after 2 s). */
function createExclusive(path: string, source: string): void {
  const fd = openSync(path, "wx");
  try {
    writeSync(fd, readFileSync(source));
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
      const endLease = typeof seen === "object" && seen.pid === process.pid && seen.token === PROCESS_TOKEN ? leases.get(path) : undefined;
      if (endLease) {
        endLease();
        continue;
      }
      if (!isStale(path, seen)) return { ok: false, owner: seen === "unreadable" ? undefined : seen };
      breakLock(path, seen);
      continue;
    }
    heldTokens.set(PROCESS_TOKEN, (heldTokens.get(PROCESS_TOKEN) ?? 0) + 1);
    return { ok: true, token: PROCESS_TOKEN };
  }
  return { ok: false, owner: undefined };
}

/**
 * Run locks a saver of this process keeps between runs (see FileSaver `leaseMs`), by lock path: how to end
 * each. Another saver of this process that wants the lock ends the lease at once instead of seeing a busy thread.
 */
const leases = new Map<string, () => void>();

export function registerLease(path: string, end: () => void): void {
  leases.set(path, end);
}

export function unregisterLease(path: string): void {
  leases.delete(path);
}

/** The lock at `path` is still the one this process took (not removed, not broken and re-taken by another). */
export function stillHeld(path: string, token: string): boolean {
  const seen = readOwner(path);
  return typeof seen === "object" && seen.pid === process.pid && seen.token === token;
}

export function release(path: string, token: string): void {
  const held = (heldTokens.get(token) ?? 1) - 1;
  if (held > 0) heldTokens.set(token, held);
  else heldTokens.delete(token);
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
  if (seen.host !== HOST) return false;
  if (seen.pid === process.pid) return !heldTokens.has(seen.token);
  return !pidAlive(seen.pid);
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
  const same = typeof seen === "object" ? typeof again === "object" && again.token === seen.token : again === "unreadable";
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
      const result = tryAcquire(lockPathOf(threadId), kind);
      return result.ok ? result : { ok: false, holder: result.owner && holderOf(result.owner) };
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
