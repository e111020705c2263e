import { checkThreadInfoUpdate } from "../limits";
import { mkdirSync } from "node:fs";
import { migratePendingSends } from "../migrate";
import { join } from "node:path";
import { BaseCheckpointSaver } from "../base";
import { requireWriteTarget } from "../config";
import { CheckpointError } from "../errors";
import { deepCopy, setOwn } from "../json";
import { selectForList } from "../listing";
import { RunLocks } from "../runLocks";
import type {
  ChannelVersions,
  Checkpoint,
  CheckpointConfig,
  CheckpointListOptions,
  CheckpointMetadata,
  CheckpointTuple,
  PendingWrite,
  ThreadInfo,
  ThreadInfoUpdate,
  ThreadLock,
} from "../types";
import type { Catalog } from "./catalog";
import { CatalogIndex } from "./catalogIndex";
import { encodeCheckpoint } from "./format/delta";
import { openFormat, type Migration } from "./format/format";
import { fsyncAsync } from "./io/fsutil";
import { fileLockBackend } from "./locks/lock";
import { threadFileStem, validateThreadId } from "./format/names";
import { namespacesOf, readThread, tupleOf, type ListRef, type ReadContext } from "./reads";
import { openStore, removeThreadFiles } from "./storeOpen";
import { ThreadCache } from "./threadCache";
import type { ThreadFiles } from "./threadFiles";
import type { ThreadRecord } from "./threadState";
import { headId, requireThreadId, toTuple } from "./tuples";
import { defaultWarn, type StoreWarning } from "./warnings";
import { compactionJob, WriteQueue } from "./locks/writeQueue";

export interface FileSaverOptions {
  /** fsync every write before its promise resolves (durability "sync"). Default true. */
  fsync?: boolean;
  /** Where recovery reports go (torn tails, corrupt records, a rebuilt catalog). Default: console.warn. */
  onWarning?: (warning: StoreWarning) => void;
  /** Log size at which records are compressed into the pack. Default 20 KiB (measured: the best bytes ratio from 60 to 1,000 turns). */
  compactBytes?: number;
  /** How long a write waits for another window's single-record write lock. Default 2 s. */
  lockWaitMs?: number;
  /**
   * How long a run lock is kept after a run ends, so back-to-back runs (a burst of steps, updateState then
   * invoke) skip taking and removing the lock file and re-reading the thread. Meanwhile another window gets
   * ThreadBusyError as during a run; another saver of this process takes the lock at once. 0 = release at
   * once. Default 1 s.
   */
  leaseMs?: number;
  /** Threads kept loaded in memory. Default 64. */
  cacheThreads?: number;
  /** @internal tests: an alternative migration table. */
  migrations?: Readonly<Record<number, Migration>>;
}

/**
 * The durable saver: plain files under `directory`, written with Node's fs only.
 *   skein-store.json     format marker (version, migrations)
 *   catalog.log          thread catalog: checksummed JSON lines, an index rebuilt from the threads if lost
 *   threads/t-<id>.log   a thread's newest records: checksummed JSON lines, appended and fsynced per write
 *   threads/t-<id>.pack  its older records: gzip frames of JSON lines (`zcat` prints them)
 *   threads/t-<id>.head  a cache of its newest checkpoint, for a fast first read (safe to delete)
 *   locks/               lock files (pid + token), stale ones broken; a run lock is kept for `leaseMs` after
 *                        its run, so back-to-back runs do not re-create it
 * Compaction of a log into the pack waits for the event loop to turn (or for the thread's next write), so it
 * never delays an acknowledged write.
 * A checkpoint stores only what changed since its parent; array elements (messages) are stored once as
 * numbered items and arrays as item ranges, so storage grows with the new messages, not with the history.
 */
export class FileSaver extends BaseCheckpointSaver {
  readonly directory: string;
  private readonly fsync: boolean;
  private readonly warn: (warning: StoreWarning) => void;
  private readonly compactBytes: number;
  private readonly lockWaitMs: number;
  private readonly migrations: Readonly<Record<number, Migration>> | undefined;
  private readonly locks: RunLocks;
  private readonly queue: WriteQueue;
  private readonly cache: ThreadCache;
  private readonly reading: ReadContext;
  private readonly catalogIndex: CatalogIndex;
  private catalogInstance: Catalog | undefined;
  private closed = false;

  constructor(directory: string, options: FileSaverOptions = {}) {
    super();
    this.directory = directory;
    this.fsync = options.fsync ?? true;
    this.warn = options.onWarning ?? defaultWarn;
    this.compactBytes = options.compactBytes ?? 20 * 1024;
    this.lockWaitMs = options.lockWaitMs ?? 2_000;
    this.migrations = options.migrations;
    this.locks = new RunLocks(
      fileLockBackend((threadId) => this.lockPath(threadId)),
      options.leaseMs ?? 1_000,
    );
    this.queue = new WriteQueue(
      compactionJob({
        threadsDir: join(directory, "threads"),
        compactBytes: this.compactBytes,
        fsync: this.fsync,
        closed: () => this.closed,
        warn: this.warn,
        write: (threadId, fn) => this.write(threadId, false, fn),
      }),
    );
    this.cache = new ThreadCache(
      join(directory, "threads"),
      this.warn,
      options.cacheThreads ?? 64,
      (threadId) => this.locks.holds(threadId) || this.queue.busy(threadId),
      (files) => {
        if (files.state.seq >= 0) files.saveHead();
        files.closeFd();
      },
    );
    this.catalogIndex = new CatalogIndex(directory, () => this.catalog(), this.fsync, this.warn);
    this.reading = {
      files: (id) => this.cache.get(id),
      holds: (id) => this.locks.holds(id),
      lockPath: (id) => this.lockPath(id),
    };
  }

  /** Opens lazily (a constructor cannot be async, and activation should not touch the disk). */
  private catalog(): Catalog {
    if (this.closed) throw new CheckpointError("This FileSaver is closed.", "SAVER_CLOSED");
    if (this.catalogInstance) return this.catalogInstance;
    mkdirSync(this.directory, { recursive: true });
    openFormat(this.directory, this.migrations);
    mkdirSync(join(this.directory, "threads"), { recursive: true });
    mkdirSync(join(this.directory, "locks"), { recursive: true });
    this.catalogInstance = openStore(this.directory, this.warn, this.fsync, (id) => this.cache.get(id));
    return this.catalogInstance;
  }

  private lockPath(threadId: string): string {
    return join(this.directory, "locks", `${threadFileStem(threadId)}.lock`);
  }

  private read(threadId: string, full = false): ThreadFiles | undefined {
    this.catalog();
    return readThread(this.reading, validateThreadId(threadId), full);
  }

  /** Runs `fn` under the thread's write lock (in this process: one at a time per thread), then fsyncs. */
  private async write<T>(threadId: string, create: boolean, fn: (files: ThreadFiles) => T): Promise<T | undefined> {
    validateThreadId(threadId);
    const catalog = this.catalog();
    return this.queue.enqueue(threadId, async () => {
      const token = await this.locks.acquireWrite(threadId, this.lockWaitMs);
      const files = this.cache.get(threadId);
      let result: T | undefined;
      let created = false;
      try {
        const { exists } =
          token === undefined && files.state.seq >= 0 && !files.needsRepair ? { exists: true } : files.refresh(true);
        if (!exists) {
          if (!create) return undefined;
          this.catalogIndex.createThread(files);
          created = true;
        }
        result = fn(files);
      } finally {
        if (token !== undefined) await this.locks.releaseWrite(threadId, token);
      }
      if (this.fsync) {
        try {
          await files.syncLog((fd) => fsyncAsync(fd, "log"));
        } catch (error) {
          // The kernel may have dropped the written pages: memory must not show what the disk may lack.
          files.forget();
          throw error;
        }
      }
      if (created)
        this.catalogIndex.index(threadId, [
          { op: "up", id: threadId, at: files.state.createdAt!, created: files.state.createdAt! },
        ]);
      // A thread written but not in the catalog (its entry lost with a damaged catalog) is listed again.
      else if (!catalog.entries.has(threadId)) {
        const at = this.catalogIndex.now();
        this.catalogIndex.index(threadId, [{ op: "up", id: threadId, at, created: files.state.createdAt ?? at }]);
      }
      if (files.needsCompaction(this.compactBytes)) this.queue.scheduleCompaction(threadId);
      return result;
    });
  }

  async getTuple(config: CheckpointConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined) return undefined;
    const files = this.read(threadId);
    return files && tupleOf(threadId, files, config);
  }

  async *list(config: CheckpointConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const threadId = config.configurable?.thread_id;
    const threadIds = threadId === undefined ? this.listedThreadIds() : [threadId];
    const threads = threadIds.flatMap((id) => {
      const files = this.read(id, true);
      return files ? [namespacesOf(id, files)] : [];
    });
    // Only references are selected; each tuple is materialized as it is yielded, so memory stays bounded.
    for (const { threadId: id, files, entry } of selectForList<ListRef>(
      config,
      options,
      threads,
      threadIds.length > 1,
    )) {
      yield toTuple(id, files, entry, false);
    }
  }

  private listedThreadIds(): string[] {
    const catalog = this.catalog();
    catalog.refresh();
    return catalog.listed().map((t) => t.threadId);
  }

  async put(
    config: CheckpointConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<CheckpointConfig> {
    const threadId = requireThreadId(config, "put");
    const ns = config.configurable?.checkpoint_ns ?? "";
    const parentId = config.configurable?.checkpoint_id;
    // This store rewrites what it is given, so an old-format checkpoint is migrated as it is stored.
    if (checkpoint.v < 4 && parentId !== undefined) {
      checkpoint = migratePendingSends(checkpoint, (await this.getTuple(config))?.pendingWrites ?? [], (v) =>
        this.getNextVersion(v),
      );
    }
    await this.write(threadId, true, (files) => {
      if (files.partial && (ns !== "" || parentId !== headId(files))) files.ensureFull();
      const { records, liveArrays } = encodeCheckpoint(
        files.state,
        files.state.seq + 1,
        ns,
        checkpoint,
        metadata,
        parentId,
        newVersions,
      );
      files.append(records);
      for (const { channel, arr, nums } of liveArrays) files.state.remember(checkpoint.id, channel, arr, nums);
    });
    this.catalogIndex.touch(threadId);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const target = requireWriteTarget(config);
    const { checkpointId, ns } = target;
    const threadId = validateThreadId(target.threadId);
    await this.write(threadId, true, (files) => {
      if (files.partial && (ns !== "" || checkpointId !== headId(files))) files.ensureFull();
      if (!files.state.effectiveWrites(ns, checkpointId, taskId, writes)) return;
      const record: ThreadRecord = { s: files.state.seq + 1, t: "w", ns, cp: checkpointId, task: taskId, w: writes };
      files.append([record]);
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    validateThreadId(threadId);
    const catalog = this.catalog();
    // No point compacting what is about to be removed.
    this.queue.cancelCompaction(threadId);
    await this.write(threadId, false, (files) => {
      catalog.append([{ op: "del", id: threadId }], this.fsync);
      files.closeFd();
      removeThreadFiles(files, this.fsync);
      files.refresh(false);
      this.catalogIndex.index(threadId, [{ op: "gone", id: threadId }]);
    });
    // A catalog entry without files (e.g. left by a crash) goes too.
    catalog.refresh();
    if (catalog.entries.has(threadId)) this.catalogIndex.index(threadId, [{ op: "gone", id: threadId }]);
    // Deleting means gone from disk: drop the catalog's older lines that still carry its title and preview.
    catalog.maybeCompact(this.fsync, true);
    await this.locks.endLease(threadId);
    this.cache.drop(threadId);
  }

  async listThreads(options: { limit?: number } = {}): Promise<ThreadInfo[]> {
    this.catalogIndex.flushTouch();
    const catalog = this.catalog();
    catalog.refresh();
    catalog.maybeCompact(this.fsync);
    const listed = catalog.listed();
    return (options.limit === undefined ? listed : listed.slice(0, options.limit)).map((info) => deepCopy(info));
  }

  async getThreadInfo(threadId: string): Promise<ThreadInfo | undefined> {
    validateThreadId(threadId);
    this.catalogIndex.flushTouch();
    const catalog = this.catalog();
    catalog.refresh();
    const entry = catalog.entries.get(threadId);
    return entry && entry.state === "ok" ? deepCopy(entry.info) : undefined;
  }

  /**
   * Stores the title and the metadata keys the update names (a patch): a thread's other metadata, however
   * big (an import may carry megabytes), is never written again by later updates.
   */
  async setThreadInfo(threadId: string, update: ThreadInfoUpdate): Promise<ThreadInfo> {
    checkThreadInfoUpdate(update);
    const catalog = this.catalog();
    const set: Record<string, unknown> = {};
    const unset: string[] = [];
    for (const [key, value] of Object.entries(update.metadata ?? {})) {
      if (value === undefined) unset.push(key);
      else setOwn(set, key, value);
    }
    let written: { title?: string; at: string } | undefined;
    await this.write(threadId, true, (files) => {
      const title = update.title ?? files.state.info?.title;
      const record: ThreadRecord = {
        s: files.state.seq + 1,
        t: "i",
        meta: set,
        patch: true,
        ...(unset.length > 0 ? { unset } : {}),
        at: this.catalogIndex.now(),
        ...(title !== undefined ? { title } : {}),
      };
      files.append([record]);
      written = files.state.info;
    });
    catalog.append(
      [
        {
          op: "up",
          id: threadId,
          at: written!.at,
          title: written!.title ?? null,
          mp: set,
          ...(unset.length > 0 ? { mu: unset } : {}),
        },
      ],
      false,
    );
    return (await this.getThreadInfo(threadId))!;
  }

  override async lockThread(threadId: string): Promise<ThreadLock> {
    validateThreadId(threadId);
    this.catalog();
    const { token, fromLease } = await this.locks.acquireRun(threadId, Math.min(this.lockWaitMs, 500));
    // Catch up with whatever other windows wrote; from here on this saver is the thread's only writer.
    // (A kept lease means nobody else could write since this saver's last run.)
    if (!fromLease) this.cache.get(threadId).refresh(true);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.queue.idle(threadId);
        this.catalogIndex.flushTouch();
        this.cache.peek(threadId)?.saveHead(true);
        await this.locks.endRun(threadId, token);
      },
    };
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    // Compactions still waiting for an idle moment run now, then every queued write settles.
    await this.queue.drain();
    if (this.catalogInstance) this.catalogIndex.flushTouch();
    await this.locks.closeAll();
    this.cache.clear();
    if (this.catalogInstance) {
      // Leave a compact catalog behind, so the next window's first listThreads reads one line per thread.
      this.catalogInstance.refresh();
      this.catalogInstance.maybeCompact(this.fsync, false, true);
      this.catalogInstance.closeFd();
    }
    this.closed = true;
  }

  /** Bytes of one thread's files (bench and tests). */
  threadBytes(threadId: string): number {
    return this.cache.get(validateThreadId(threadId)).bytesOnDisk();
  }
}
