import { ThreadBusyError } from "./errors";
import type {
  ChannelVersions,
  CheckpointConfig,
  CheckpointListOptions,
  CheckpointTuple,
  Checkpoint,
  CheckpointMetadata,
  PendingWrite,
  ThreadInfo,
  ThreadInfoUpdate,
  ThreadLock,
} from "./types";

/**
 * The saver contract (LangGraph.js `BaseCheckpointSaver`) plus Skein's thread catalog and thread lock.
 * Every saver runs the shared conformance suite in test/unit/checkpoint/conformance.ts.
 */
export abstract class BaseCheckpointSaver {
  /** The checkpoint named by `checkpoint_id`, else the latest of (thread_id, checkpoint_ns). */
  abstract getTuple(config: CheckpointConfig): Promise<CheckpointTuple | undefined>;

  /** Newest first. No thread_id = every thread. */
  abstract list(config: CheckpointConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple>;

  /** Stores a checkpoint whose parent is `config.configurable.checkpoint_id` (which need not exist). */
  abstract put(
    config: CheckpointConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<CheckpointConfig>;

  /** Pending writes of one task, attached to the checkpoint named in `config`. */
  abstract putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string): Promise<void>;

  /** Removes every checkpoint, write and catalog entry of the thread. */
  abstract deleteThread(threadId: string): Promise<void>;

  /** The thread catalog, most recently updated first. */
  abstract listThreads(options?: { limit?: number }): Promise<ThreadInfo[]>;

  abstract getThreadInfo(threadId: string): Promise<ThreadInfo | undefined>;

  /** Creates the catalog entry when missing (a thread may exist before its first checkpoint). */
  abstract setThreadInfo(threadId: string, update: ThreadInfoUpdate): Promise<ThreadInfo>;

  async get(config: CheckpointConfig): Promise<Checkpoint | undefined> {
    return (await this.getTuple(config))?.checkpoint;
  }

  getNextVersion(current: number | undefined): number {
    return (current ?? 0) + 1;
  }

  private readonly heldThreads = new Set<string>();

  /**
   * Exclusive right to run on a thread. The default holds it in this process; a saver whose storage is
   * shared between processes must also hold it across them.
   */
  async lockThread(threadId: string): Promise<ThreadLock> {
    if (this.heldThreads.has(threadId)) throw new ThreadBusyError(threadId);
    this.heldThreads.add(threadId);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.heldThreads.delete(threadId);
      },
    };
  }

  /** Releases files, locks and handles. Further calls are not expected. */
  async close(): Promise<void> {}
}
