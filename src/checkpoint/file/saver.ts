import { checkThreadInfoUpdate } from "../limits";
import { fsyncSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { BaseCheckpointSaver } from "../base";
import { requireWriteTarget } from "../config";
import { CheckpointError, ThreadBusyError } from "../errors";
import { deepCopy } from "../memory";
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
import { deepEqual, encodeCheckpoint, setOwn } from "./delta";
import { openFormat, type Migration } from "./format";
import { fsyncAsync, fsyncDir } from "./fsutil";
import { registerLease, release, stillHeld, tryAcquire, unregisterLease } from "./lock";
import { threadFileStem, validateThreadId } from "./names";
import { openStore, removeThreadFiles } from "./storeOpen";
import { ThreadFiles } from "./threadFiles";
import { headId, requireThreadId, toTuple } from "./tuples";
import type { CheckpointEntry, ThreadRecord } from "./threadState";
import { defaultWarn, type StoreWarning } from "./warnings";

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
  private readonly cacheThreads: number;
  private readonly leaseMs: number;
  /** Run locks kept after their run (see `leaseMs`): token and the timer that ends the lease. */
  private readonly leases = new Map<string, { token: string; timer: NodeJS.Timeout }>();
  private readonly migrations: Readonly<Record<number, Migration>> | undefined;
  private catalogInstance: Catalog | undefined;
  private readonly threads = new Map<string, ThreadFiles>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly runLocks = new Map<string, string>();
  private lastTime = 0;
  private closed = false;

  constructor(directory: string, options: FileSaverOptions = {}) {
    super();
    this.directory = directory;
    this.fsync = options.fsync ?? true;
    this.warn = options.onWarning ?? defaultWarn;
    this.compactBytes = options.compactBytes ?? 20 * 1024;
    this.lockWaitMs = options.lockWaitMs ?? 2_000;
    this.cacheThreads = options.cacheThreads ?? 64;
    this.leaseMs = options.leaseMs ?? 1_000;
    this.migrations = options.migrations;
  }

  /** Opens lazily (a constructor cannot be async, and activation should not touch the disk). */
  private catalog(): Catalog {
    if (this.closed) throw new CheckpointError("This FileSaver is closed.", "SAVER_CLOSED");
    if (this.catalogInstance) return this.catalogInstance;
    mkdirSync(this.directory, { recursive: true });
    openFormat(this.directory, this.migrations);
    mkdirSync(join(this.directory, "threads"), { recursive: true });
    mkdirSync(join(this.directory, "locks"), { recursive: true });
    this.catalogInstance = openStore(this.directory, this.warn, this.fsync, (id) => this.files(id));
    return this.catalogInstance;
  }

  private files(threadId: string): ThreadFiles {
    let files = this.threads.get(threadId);
    if (files) {
      this.threads.delete(threadId);
      this.threads.set(threadId, files); // LRU: most recent last
      return files;
    }
    const stem = threadFileStem(threadId);
    files = new ThreadFiles(threadId, join(this.directory, "threads", `${stem}.log`), join(this.directory, "threads", `${stem}.pack`), this.warn);
    this.threads.set(threadId, files);
    if (this.threads.size > this.cacheThreads) {
      for (const [id, old] of this.threads) {
        if (this.threads.size <= this.cacheThreads) break;
        if (id === threadId || this.runLocks.has(id) || this.leases.has(id) || this.queues.has(id)) continue;
        if (old.state.seq >= 0) old.saveHead();
        old.closeFd();
        this.threads.delete(id);
      }
    }
    return files;
  }

  private lockPath(threadId: string): string {
    return join(this.directory, "locks", `${threadFileStem(threadId)}.lock`);
  }

  /**
   * Up-to-date thread for reading, or undefined when it has no files. `full`: the caller needs every record
   * (history), so a thread not loaded yet skips the head-cache open it would throw away at once.
   */
  private read(threadId: string, full = false): ThreadFiles | undefined {
    this.catalog();
    const files = this.files(validateThreadId(threadId));
    // Holding the run lock (in a run or as a lease), nobody else writes the thread: memory is up to date.
    if ((this.runLocks.has(threadId) || this.leases.has(threadId)) && files.state.seq >= 0) return files;
    const { exists, damaged } = files.refresh(false, !full);
    if (damaged) {
      // Repair needs the write lock; if a writer holds it, the "damage" is most likely its unfinished line.
      const lock = tryAcquire(this.lockPath(threadId), "write");
      if (lock.ok) {
        try {
          files.refresh(true);
        } finally {
          release(this.lockPath(threadId), lock.token);
        }
      }
    }
    return exists ? files : undefined;
  }

  /** Runs `fn` under the thread's write lock (in this process: one at a time per thread), then fsyncs. */
  private async write<T>(threadId: string, create: boolean, fn: (files: ThreadFiles) => T): Promise<T | undefined> {
    validateThreadId(threadId);
    const catalog = this.catalog();
    // A compaction still waiting for an idle moment goes first (this write's queue position is behind it).
    if (this.idleCompactions.has(threadId)) this.compactNow(threadId);
    const previous = this.queues.get(threadId) ?? Promise.resolve();
    const run = previous.then(async () => {
      const token = await this.acquireWrite(threadId);
      const files = this.files(threadId);
      let result: T | undefined;
      let created = false;
      try {
        const { exists } = token === undefined && files.state.seq >= 0 ? { exists: true } : files.refresh(true);
        if (!exists) {
          if (!create) return undefined;
          this.createThread(catalog, files);
          created = true;
        }
        result = fn(files);
      } finally {
        if (token !== undefined) release(this.lockPath(threadId), token);
      }
      const fd = files.syncFd();
      if (this.fsync && fd !== undefined) await fsyncAsync(fd);
      if (created) catalog.append([{ op: "up", id: threadId, at: files.state.createdAt!, created: files.state.createdAt! }], false);
      if (files.needsCompaction(this.compactBytes)) this.scheduleCompaction(threadId);
      return result;
    });
    const settled = run.catch(() => undefined);
    this.queues.set(threadId, settled);
    void settled.then(() => {
      if (this.queues.get(threadId) === settled) this.queues.delete(threadId);
    });
    return run;
  }

  /** Threads whose compaction waits for the event loop to turn (setImmediate handles). */
  private readonly idleCompactions = new Map<string, NodeJS.Immediate>();

  /**
   * Compaction never delays an acknowledgement: it waits for the event loop to turn (between a chat's turns,
   * while the model streams, or once a burst of writes is done; V8 runs its scheduled GC there too). If the
   * thread is written again first (back-to-back steps), the compaction is queued right then, ahead of that
   * write, so the log never grows past one write beyond the threshold.
   */
  private scheduleCompaction(threadId: string): void {
    if (this.idleCompactions.has(threadId)) return;
    this.idleCompactions.set(
      threadId,
      setImmediate(() => this.compactNow(threadId)),
    );
  }

  private compactNow(threadId: string): void {
    const pending = this.idleCompactions.get(threadId);
    if (pending === undefined) return;
    clearImmediate(pending);
    this.idleCompactions.delete(threadId);
    if (this.closed) return;
    void this.write(threadId, false, (f) => f.needsCompaction(this.compactBytes) && f.compact(this.fsync)).catch(() => undefined);
  }

  /** Takes the per-append lock unless this saver holds the thread's run lock (then returns undefined). */
  private async acquireWrite(threadId: string): Promise<string | undefined> {
    if (this.runLocks.has(threadId)) return undefined;
    // A kept lease serves as the write lock if its file is still ours (a read, no file-system metadata
    // change); otherwise it is dropped and the write takes the lock and re-reads the thread like any other.
    const lease = this.leases.get(threadId);
    if (lease && stillHeld(this.lockPath(threadId), lease.token)) return undefined;
    if (lease) this.takeLease(threadId);
    const deadline = Date.now() + this.lockWaitMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 25)) {
      const result = tryAcquire(this.lockPath(threadId), "write");
      if (result.ok) return result.token;
      if (result.owner?.kind === "run" || Date.now() > deadline) throw new ThreadBusyError(threadId);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Two-phase: the catalog's durable "new" first, so a crash never leaves thread data the catalog misses. */
  private createThread(catalog: Catalog, files: ThreadFiles): void {
    const at = this.now();
    catalog.append([{ op: "new", id: files.threadId, at }], this.fsync);
    files.append([{ s: 0, t: "h", v: 1, thread: files.threadId, at }]);
    if (this.fsync) {
      const fd = files.syncFd();
      if (fd !== undefined) fsyncSync(fd);
      fsyncDir(join(this.directory, "threads"));
    }
  }

  private now(): string {
    this.lastTime = Math.max(Date.now(), this.lastTime);
    return new Date(this.lastTime).toISOString();
  }

  /**
   * Bumps the thread's catalog entry. Consecutive puts to the same thread within a second share one touch
   * (a turn writes three checkpoints; the catalog should not grow faster than the thread).
   */
  private touch(threadId: string): void {
    const catalog = this.catalog();
    const now = Date.now();
    if (this.lastTouch?.threadId === threadId && now - this.lastTouch.at < 1_000) {
      this.lastTouch.pending = true;
      return;
    }
    this.lastTouch = { threadId, at: now, pending: false };
    catalog.append([{ op: "touch", id: threadId, at: this.now() }], false);
    catalog.maybeCompact(this.fsync);
  }

  /** A coalesced touch is written before anything that reads or reorders the catalog. */
  private flushTouch(): void {
    if (!this.lastTouch?.pending) return;
    const { threadId } = this.lastTouch;
    this.lastTouch = undefined;
    this.touch(threadId);
  }

  private lastTouch: { threadId: string; at: number; pending: boolean } | undefined;

  async getTuple(config: CheckpointConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined) return undefined;
    const files = this.read(threadId);
    if (!files) return undefined;
    const ns = config.configurable?.checkpoint_ns ?? "";
    const wanted = config.configurable?.checkpoint_id;
    if (files.partial && (ns !== "" || (wanted !== undefined && wanted !== headId(files)))) files.ensureFull();
    const space = files.state.spaces.get(ns);
    if (!space) return undefined;
    const id = wanted ?? space.ids[space.ids.length - 1];
    const entry = id === undefined ? undefined : space.byId.get(id);
    return entry ? toTuple(threadId, files, entry, true) : undefined;
  }

  async *list(config: CheckpointConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { limit, before, filter } = options;
    const threadId = config.configurable?.thread_id;
    const ns = config.configurable?.checkpoint_ns;
    const onlyId = config.configurable?.checkpoint_id;
    const beforeId = before?.configurable?.checkpoint_id;
    const threadIds = threadId === undefined ? this.listedThreadIds() : [threadId];
    // Only references are collected; each tuple is materialized as it is yielded, so memory stays bounded.
    const matches: { threadId: string; files: ThreadFiles; entry: CheckpointEntry }[] = [];
    for (const id of threadIds) {
      const files = this.read(id, true);
      if (!files) continue;
      files.ensureFull();
      for (const [name, space] of files.state.spaces) {
        if (ns !== undefined && name !== ns) continue;
        for (let i = space.ids.length - 1; i >= 0; i--) {
          const cpId = space.ids[i]!;
          if (onlyId !== undefined && cpId !== onlyId) continue;
          if (beforeId !== undefined && cpId >= beforeId) continue;
          const entry = space.byId.get(cpId)!;
          if (filter && !Object.entries(filter).every(([key, value]) => deepEqual(entry.meta[key], value))) continue;
          matches.push({ threadId: id, files, entry });
        }
      }
    }
    if (threadIds.length > 1 || ns === undefined) matches.sort((a, b) => (a.entry.id < b.entry.id ? 1 : a.entry.id > b.entry.id ? -1 : 0));
    let yielded = 0;
    for (const { threadId: id, files, entry } of matches) {
      if (limit !== undefined && yielded >= limit) return;
      yielded++;
      yield toTuple(id, files, entry, false);
    }
  }

  private listedThreadIds(): string[] {
    const catalog = this.catalog();
    catalog.refresh();
    return catalog.listed().map((t) => t.threadId);
  }

  async put(config: CheckpointConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<CheckpointConfig> {
    const threadId = requireThreadId(config, "put");
    const ns = config.configurable?.checkpoint_ns ?? "";
    const parentId = config.configurable?.checkpoint_id;
    await this.write(threadId, true, (files) => {
      if (files.partial && (ns !== "" || parentId !== headId(files))) files.ensureFull();
      const { records, liveArrays } = encodeCheckpoint(files.state, files.state.seq + 1, ns, checkpoint, metadata, parentId, newVersions);
      files.append(records);
      for (const { channel, arr, nums } of liveArrays) files.state.remember(checkpoint.id, channel, arr, nums);
    });
    this.touch(threadId);
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
    const pending = this.idleCompactions.get(threadId);
    if (pending !== undefined) {
      clearImmediate(pending);
      this.idleCompactions.delete(threadId);
    }
    await this.write(threadId, false, (files) => {
      catalog.append([{ op: "del", id: threadId }], this.fsync);
      files.closeFd();
      removeThreadFiles(files, this.fsync);
      files.refresh(false);
      catalog.append([{ op: "gone", id: threadId }], this.fsync);
    });
    // A catalog entry without files (e.g. left by a crash) goes too.
    catalog.refresh();
    if (catalog.entries.has(threadId)) catalog.append([{ op: "gone", id: threadId }], this.fsync);
    // Deleting means gone from disk: drop the catalog's older lines that still carry its title and preview.
    catalog.maybeCompact(this.fsync, true);
    this.endLease(threadId);
    this.threads.get(threadId)?.closeFd();
    this.threads.delete(threadId);
  }

  async listThreads(options: { limit?: number } = {}): Promise<ThreadInfo[]> {
    this.flushTouch();
    const catalog = this.catalog();
    catalog.refresh();
    catalog.maybeCompact(this.fsync);
    const listed = catalog.listed();
    return (options.limit === undefined ? listed : listed.slice(0, options.limit)).map((info) => deepCopy(info));
  }

  async getThreadInfo(threadId: string): Promise<ThreadInfo | undefined> {
    validateThreadId(threadId);
    this.flushTouch();
    const catalog = this.catalog();
    catalog.refresh();
    const entry = catalog.entries.get(threadId);
    return entry && entry.state === "ok" ? deepCopy(entry.info) : undefined;
  }

  async setThreadInfo(threadId: string, update: ThreadInfoUpdate): Promise<ThreadInfo> {
    checkThreadInfoUpdate(update);
    const catalog = this.catalog();
    let written: { title?: string; meta: Record<string, unknown>; at: string } | undefined;
    await this.write(threadId, true, (files) => {
      const previous = files.state.info;
      const meta: Record<string, unknown> = { ...(previous?.meta ?? {}) };
      for (const [key, value] of Object.entries(update.metadata ?? {})) {
        if (value === undefined) delete meta[key];
        else setOwn(meta, key, value);
      }
      const title = update.title ?? previous?.title;
      const record: ThreadRecord = { s: files.state.seq + 1, t: "i", meta, at: this.now(), ...(title !== undefined ? { title } : {}) };
      files.append([record]);
      written = files.state.info;
    });
    catalog.append([{ op: "up", id: threadId, at: written!.at, title: written!.title ?? null, meta: written!.meta }], false);
    return (await this.getThreadInfo(threadId))!;
  }

  override async lockThread(threadId: string): Promise<ThreadLock> {
    validateThreadId(threadId);
    this.catalog();
    if (this.runLocks.has(threadId)) throw new ThreadBusyError(threadId);
    const path = this.lockPath(threadId);
    const deadline = Date.now() + Math.min(this.lockWaitMs, 500);
    const leased = this.takeLease(threadId);
    let token: string | undefined = leased;
    for (let wait = 1; token === undefined; wait = Math.min(wait * 2, 25)) {
      const result = tryAcquire(path, "run");
      if (result.ok) token = result.token;
      else if (result.owner?.kind === "run" || Date.now() > deadline) throw new ThreadBusyError(threadId);
      else await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (this.runLocks.has(threadId)) {
      release(path, token);
      throw new ThreadBusyError(threadId);
    }
    this.runLocks.set(threadId, token);
    // Catch up with whatever other windows wrote; from here on this saver is the thread's only writer.
    // (A kept lease means nobody else could write since this saver's last run.)
    if (leased === undefined) this.files(threadId).refresh(true);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.queues.get(threadId);
        this.flushTouch();
        this.threads.get(threadId)?.saveHead(true);
        this.runLocks.delete(threadId);
        this.keepLease(threadId, token);
      },
    };
  }

  /** After a run: keep the run lock for `leaseMs` (or release it now). */
  private keepLease(threadId: string, token: string): void {
    const path = this.lockPath(threadId);
    if (this.leaseMs <= 0 || this.closed) {
      release(path, token);
      return;
    }
    const timer = setTimeout(() => this.endLease(threadId), this.leaseMs);
    timer.unref(); // a kept lease never keeps the process alive; if it exits, the lock is stale and broken
    this.leases.set(threadId, { token, timer });
    registerLease(path, () => this.endLease(threadId));
  }

  /** Takes back a kept lease for a new run: its token when the lock file is still ours, else undefined. */
  private takeLease(threadId: string): string | undefined {
    const lease = this.leases.get(threadId);
    if (!lease) return undefined;
    const path = this.lockPath(threadId);
    clearTimeout(lease.timer);
    this.leases.delete(threadId);
    unregisterLease(path);
    if (stillHeld(path, lease.token)) return lease.token;
    release(path, lease.token); // removed or broken meanwhile: only our bookkeeping is undone
    return undefined;
  }

  private endLease(threadId: string): void {
    const lease = this.leases.get(threadId);
    if (!lease) return;
    const path = this.lockPath(threadId);
    clearTimeout(lease.timer);
    this.leases.delete(threadId);
    unregisterLease(path);
    release(path, lease.token);
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    // Compactions still waiting for an idle moment run now; a finishing write may schedule another: loop
    // until nothing is queued or scheduled.
    while (this.queues.size > 0 || this.idleCompactions.size > 0) {
      for (const threadId of [...this.idleCompactions.keys()]) this.compactNow(threadId);
      await Promise.all([...this.queues.values()]);
    }
    if (this.catalogInstance) this.flushTouch();
    for (const threadId of [...this.leases.keys()]) this.endLease(threadId);
    for (const [threadId, token] of this.runLocks) release(this.lockPath(threadId), token);
    this.runLocks.clear();
    for (const files of this.threads.values()) {
      if (files.state.seq >= 0) files.saveHead();
      files.closeFd();
    }
    this.threads.clear();
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
    return this.files(validateThreadId(threadId)).bytesOnDisk();
  }
}

