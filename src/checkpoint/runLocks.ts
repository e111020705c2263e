import { ThreadBusyError } from "./errors";
import type { LockHolder, LockKind } from "./types";

/**
 * Run locks and write locks on threads, for a saver whose storage several processes (windows) share. The
 * semantics are the saver's; where the locks live (lock files, database rows) is its backend's:
 * - a run lock (`lockThread`) excludes every other run and every other writer of the thread until released;
 * - a write lock covers one write outside a run; waiting writers retry for a short while, then get
 *   ThreadBusyError, and a run lock held elsewhere is busy at once;
 * - after a run the lock is kept for `leaseMs` as an idle lease, so back-to-back runs skip taking it again and
 *   re-reading the thread. A kept lease serves as this saver's write lock while the backend still shows it as
 *   ours; another saver of the same process that wants the thread ends the lease at once.
 * - a backend's lock expires when its holder stops renewing it (a crashed window, another host, a reused
 *   pid), so no lock blocks a thread forever.
 */
export type LockAttempt = { ok: true; token: string } | { ok: false; holder: LockHolder | undefined };

export interface ThreadLockBackend {
  tryAcquire(threadId: string, kind: LockKind): LockAttempt | Promise<LockAttempt>;
  release(threadId: string, token: string): void | Promise<void>;
  /** The lock is still the one taken with `token` (not removed, not expired and re-taken by another). */
  stillHeld(threadId: string, token: string): boolean | Promise<boolean>;
  /** The lock is kept as an idle lease; `end` gives it up (another saver of this process wants it). */
  leaseKept(threadId: string, end: () => void): void;
  leaseEnded(threadId: string): void;
}

export class RunLocks {
  private readonly runs = new Map<string, string>();
  private readonly leases = new Map<string, { token: string; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(
    private readonly backend: ThreadLockBackend,
    private readonly leaseMs: number,
  ) {}

  /** This saver holds the thread (in a run or as a kept lease): nobody else writes it. */
  holds(threadId: string): boolean {
    return this.runs.has(threadId) || this.leases.has(threadId);
  }

  inRun(threadId: string): boolean {
    return this.runs.has(threadId);
  }

  /**
   * Takes the run lock, waiting up to `waitMs` for a write lock to go. `fromLease`: the lock was this saver's
   * kept lease, so nobody else wrote the thread since this saver's last run.
   */
  async acquireRun(threadId: string, waitMs: number): Promise<{ token: string; fromLease: boolean }> {
    if (this.runs.has(threadId)) throw new ThreadBusyError(threadId);
    const deadline = Date.now() + waitMs;
    const leased = await this.takeLease(threadId);
    let token: string | undefined = leased;
    for (let wait = 1; token === undefined; wait = Math.min(wait * 2, 25)) {
      const result = await this.backend.tryAcquire(threadId, "run");
      if (result.ok) token = result.token;
      else if (result.holder?.kind === "run" || Date.now() > deadline)
        throw new ThreadBusyError(threadId, result.holder);
      else await sleep(wait);
    }
    if (this.runs.has(threadId)) {
      await this.backend.release(threadId, token);
      throw new ThreadBusyError(threadId);
    }
    this.runs.set(threadId, token);
    return { token, fromLease: leased !== undefined };
  }

  /** After a run: keeps the lock for `leaseMs` (or releases it now). */
  async endRun(threadId: string, token: string): Promise<void> {
    this.runs.delete(threadId);
    if (this.leaseMs <= 0 || this.closed) {
      await this.backend.release(threadId, token);
      return;
    }
    const timer = setTimeout(() => void this.endLease(threadId), this.leaseMs);
    timer.unref(); // a kept lease never keeps the process alive; if it exits, the lock is stale and broken
    this.leases.set(threadId, { token, timer });
    this.backend.leaseKept(threadId, () => void this.endLease(threadId));
  }

  /**
   * The write lock for one write, or undefined when this saver's run lock (or kept lease, if still ours)
   * already covers it. A lease no longer ours is dropped, and the write takes the lock like any other.
   */
  async acquireWrite(threadId: string, waitMs: number): Promise<string | undefined> {
    if (this.runs.has(threadId)) return undefined;
    const lease = this.leases.get(threadId);
    if (lease && (await this.backend.stillHeld(threadId, lease.token))) return undefined;
    if (lease) await this.takeLease(threadId);
    const deadline = Date.now() + waitMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 25)) {
      const result = await this.backend.tryAcquire(threadId, "write");
      if (result.ok) return result.token;
      if (result.holder?.kind === "run" || Date.now() > deadline) throw new ThreadBusyError(threadId, result.holder);
      await sleep(wait);
    }
  }

  async releaseWrite(threadId: string, token: string): Promise<void> {
    await this.backend.release(threadId, token);
  }

  /** Takes back a kept lease for a new run: its token when the lock is still ours, else undefined. */
  private async takeLease(threadId: string): Promise<string | undefined> {
    const lease = this.leases.get(threadId);
    if (!lease) return undefined;
    clearTimeout(lease.timer);
    this.leases.delete(threadId);
    this.backend.leaseEnded(threadId);
    if (await this.backend.stillHeld(threadId, lease.token)) return lease.token;
    await this.backend.release(threadId, lease.token); // removed or broken meanwhile: only our bookkeeping is undone
    return undefined;
  }

  async endLease(threadId: string): Promise<void> {
    const lease = this.leases.get(threadId);
    if (!lease) return;
    clearTimeout(lease.timer);
    this.leases.delete(threadId);
    this.backend.leaseEnded(threadId);
    await this.backend.release(threadId, lease.token);
  }

  /** Ends every lease and releases every run lock (the saver closes). */
  async closeAll(): Promise<void> {
    this.closed = true;
    for (const threadId of [...this.leases.keys()]) await this.endLease(threadId);
    for (const [threadId, token] of this.runs) await this.backend.release(threadId, token);
    this.runs.clear();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
