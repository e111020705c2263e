/**
 * One write at a time per thread in this saver (jobs queue behind each other), and compaction scheduling.
 * Compaction never delays an acknowledgement: it waits for the event loop to turn (between a chat's turns,
 * while the model streams, or once a burst of writes is done; V8 runs its scheduled GC there too). If the
 * thread is written again first (back-to-back steps), the compaction is queued right then, ahead of that
 * write, so the log never grows past one write beyond the threshold.
 */
import { ThreadBusyError } from "../../errors";
import type { ThreadFiles } from "../threadFiles";
import type { StoreWarning } from "../warnings";

export class WriteQueue {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Threads whose compaction waits for the event loop to turn (setImmediate handles). */
  private readonly idleCompactions = new Map<string, NodeJS.Immediate>();

  /** `compact` queues a compaction of the thread (a job like any write). */
  constructor(private readonly compact: (threadId: string) => void) {}

  /** A write of the thread is queued or running. */
  busy(threadId: string): boolean {
    return this.queues.has(threadId);
  }

  /** Settles when the thread's queued writes have (successfully or not). */
  idle(threadId: string): Promise<unknown> | undefined {
    return this.queues.get(threadId);
  }

  /** Runs `job` after the thread's earlier jobs; a compaction waiting for an idle moment goes first. */
  enqueue<T>(threadId: string, job: () => Promise<T>): Promise<T> {
    if (this.idleCompactions.has(threadId)) this.compactNow(threadId);
    const previous = this.queues.get(threadId) ?? Promise.resolve();
    const run = previous.then(job);
    const settled = run.catch(() => undefined);
    this.queues.set(threadId, settled);
    void settled.then(() => {
      if (this.queues.get(threadId) === settled) this.queues.delete(threadId);
    });
    return run;
  }

  scheduleCompaction(threadId: string): void {
    if (this.idleCompactions.has(threadId)) return;
    this.idleCompactions.set(
      threadId,
      setImmediate(() => this.compactNow(threadId)),
    );
  }

  /** Drops a scheduled compaction (the thread is about to be deleted). */
  cancelCompaction(threadId: string): void {
    const pending = this.idleCompactions.get(threadId);
    if (pending === undefined) return;
    clearImmediate(pending);
    this.idleCompactions.delete(threadId);
  }

  private compactNow(threadId: string): void {
    if (!this.idleCompactions.has(threadId)) return;
    this.cancelCompaction(threadId);
    this.compact(threadId);
  }

  /** Runs every scheduled compaction and waits for every queued write; a finishing write may schedule another. */
  async drain(): Promise<void> {
    while (this.queues.size > 0 || this.idleCompactions.size > 0) {
      for (const threadId of [...this.idleCompactions.keys()]) this.compactNow(threadId);
      await Promise.all([...this.queues.values()]);
    }
  }
}

/** What a compaction needs from the saver. */
export interface CompactionDeps {
  /** Where a failure is reported. */
  threadsDir: string;
  compactBytes: number;
  fsync: boolean;
  closed(): boolean;
  warn(warning: StoreWarning): void;
  /** Runs `fn` on the thread's files under its write lock (never creating the thread). */
  write(threadId: string, fn: (files: ThreadFiles) => void): Promise<unknown>;
}

/**
 * The job the queue runs when a thread's log has grown past `compactBytes`: its records move into the pack.
 * Another window writing the thread now compacts it itself; any other failure is reported once until a
 * compaction of that thread succeeds (the records stay in the log: nothing is lost).
 */
export function compactionJob(deps: CompactionDeps): (threadId: string) => void {
  const failing = new Set<string>();
  return (threadId) => {
    if (deps.closed()) return;
    const compact = (files: ThreadFiles) => {
      if (!files.needsCompaction(deps.compactBytes)) return;
      files.compact(deps.fsync);
      failing.delete(threadId);
    };
    void deps.write(threadId, compact).catch((error: Error) => {
      if (error instanceof ThreadBusyError || failing.has(threadId)) return;
      failing.add(threadId);
      deps.warn({
        code: "COMPACTION_FAILED",
        threadId,
        file: deps.threadsDir,
        message: `Thread "${threadId}": could not move its newest records into the pack (${error.message}); they stay in the log and nothing was lost. Free some disk space.`,
      });
    });
  };
}
