import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";

/**
 * Lock files: created atomically (link(2) of a temp file, which fails if the lock exists), holding who owns them. A lock whose process is gone (process.kill(pid, 0)
 * fails with ESRCH) is stale and broken, so a crashed window never blocks a thread forever.
 * `run` locks are held for a whole run (lockThread); `write` locks for one append.
 */
export type LockKind = "run" | "write";

export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  kind: LockKind;
  at: string;
}

/** Tokens of locks held by this process, so a lock left by a closed saver in this same process is stale too. */
const heldTokens = new Set<string>();
const HOST = hostname();

export type AcquireResult = { ok: true; token: string } | { ok: false; owner: LockOwner | undefined };

export function tryAcquire(path: string, kind: LockKind): AcquireResult {
  const token = randomUUID();
  const owner: LockOwner = { pid: process.pid, host: HOST, token, kind, at: new Date().toISOString() };
  // The owner is written to a private temp file first and then hard-linked into place: link() fails if the
  // lock exists, so a lock file is never seen half-written (a kill between create and write would otherwise
  // leave an unreadable lock).
  const tmp = `${path}.${process.pid}.${token.slice(0, 8)}`;
  writeFileSync(tmp, JSON.stringify(owner));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const seen = readOwner(path);
        if (seen === "gone") continue;
        if (!isStale(path, seen)) return { ok: false, owner: seen === "unreadable" ? undefined : seen };
        breakLock(path, seen);
        continue;
      }
      heldTokens.add(token);
      return { ok: true, token };
    }
    return { ok: false, owner: undefined };
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
}

export function release(path: string, token: string): void {
  heldTokens.delete(token);
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
