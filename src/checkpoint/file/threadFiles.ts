import { closeSync, fstatSync, type Stats } from "node:fs";
import { fastOpen } from "./io/fastOpen";
import { openForWrite, readRange, removeIfThere, statOrUndefined } from "./io/fsutil";
import { bytesWrittenBy, storeIo, writeFully } from "./io/io";
import { LogFd } from "./io/logFd";
import { framesFor } from "./format/compaction";
import { encodeLine, parseLines } from "./format/frame";
import { headCacheOf, writeHeadCache } from "./io/headCache";
import { applyJsons, ThreadRecovery } from "./threadRecovery";
import { ThreadState, type ThreadRecord } from "./threadState";
import type { StoreWarning } from "./warnings";

/**
 * One thread on disk: `<stem>.log` (plain record lines, appended and fsynced per write) and `<stem>.pack`
 * (gzip frames of older records). When the log passes `compactBytes` its records are compressed into one
 * frame appended to the pack (fsync), then the log is truncated. A crash in between leaves records in both;
 * sequence numbers make the second copy a no-op. Reads never start from scratch once loaded: they stat both
 * files and read only what was appended since (another window may be writing). Damage met on the way is
 * skipped and reported by ThreadRecovery.
 */
/** `{"k":"<8 hex>","r":` + `}\n` around each record in the log. */
const PREFIX_BYTES = 20 + 2;
/** The inode recorded for a thread whose log is missing (a real log, once written, differs). */
const NO_LOG = -2;

export class ThreadFiles {
  state = new ThreadState();
  private packOffset = 0;
  /** Record JSON of every line in the log since its start (what the next compaction moves to the pack). */
  private logRecords: string[] = [];
  private logOffset = 0;
  private packIno = -1;
  private logIno = -1;
  private readonly log: LogFd;
  private readonly recovery: ThreadRecovery;

  /**
   * Loaded from the head cache: only the newest root checkpoint and the items are in memory. Anything else
   * (history, another checkpoint, new records from another window) first calls `ensureFull`.
   */
  partial = false;
  private headWrittenSeq = -1;

  constructor(
    readonly threadId: string,
    readonly logPath: string,
    readonly packPath: string,
    warn: (warning: StoreWarning) => void,
  ) {
    this.log = new LogFd(logPath);
    this.recovery = new ThreadRecovery(threadId, logPath, packPath, warn);
  }

  get headPath(): string {
    return this.logPath.replace(/\.log$/, ".head");
  }

  /** Replaces a partial load by a full one. */
  ensureFull(): void {
    if (!this.partial) return;
    this.reset();
    this.refresh(false, false);
  }

  private headWrittenAt = 0;
  private wroteSinceHead = false;

  /**
   * Saves the head cache when records were added since it was last written. `throttle` (end of a run) skips it
   * within 10 s of the last save: a rename over an existing file costs a flush on ext4 (auto_da_alloc), too
   * much per turn; close and eviction always save, and a stale cache only makes one open slower.
   */
  saveHead(throttle = false): void {
    // Only this instance's own writes (or a damaged cache) make a cache worth writing: listing 10,000 threads
    // must not rewrite 10,000.
    if ((!this.wroteSinceHead && !this.headStale) || this.state.seq === this.headWrittenSeq) return;
    if (throttle && Date.now() - this.headWrittenAt < 10_000) return;
    this.headWrittenAt = Date.now();
    const cache = headCacheOf(this.state, this.threadId);
    // A thread deleted meanwhile (by another window) gets no cache back: checked before and after the rename,
    // since deletion removes the log before the cache.
    if (!cache || !this.stillOnDisk()) return;
    writeHeadCache(this.headPath, cache);
    if (!this.stillOnDisk()) {
      removeIfThere(this.headPath);
      return;
    }
    this.headWrittenSeq = this.state.seq;
    this.wroteSinceHead = false;
    this.headStale = false;
  }

  /** The head cache on disk failed its checksum: write a fresh one at the next save. */
  private headStale = false;

  /** The files this instance read are still there (not deleted or replaced by another window). */
  private stillOnDisk(): boolean {
    const log = statOrUndefined(this.logPath);
    if (log) return this.logIno === -1 || log.ino === this.logIno;
    const pack = statOrUndefined(this.packPath);
    return pack !== undefined && (this.packIno === -1 || pack.ino === this.packIno);
  }

  /** First load through the head cache (see `fastOpen`); false when the cache does not fit the files. */
  private tryFastOpen(log: Stats, pack: Stats | undefined): boolean {
    const opened = fastOpen(this.threadId, this.headPath, this.logPath, this.packPath, log, pack, () => {
      this.headStale = true;
      this.recovery.headCacheIgnored(this.headPath);
    });
    if (!opened) return false;
    this.state = opened.state;
    this.logRecords = opened.logRecords;
    this.partial = true;
    this.headWrittenSeq = opened.state.seq;
    this.packOffset = opened.packEnd;
    this.packIno = pack?.ino ?? -1;
    this.logOffset = log.size;
    this.logIno = log.ino;
    return true;
  }

  /**
   * Brings memory up to date with the files. `repair` (only under the thread's write lock) truncates a torn
   * tail so the next append starts on a clean line; without it an unfinished tail is simply not read yet.
   * Returns false when the thread has no files.
   */
  refresh(repair: boolean, fast = true): { exists: boolean; damaged: boolean } {
    let damaged = false;
    if (repair) this.needsRepair = false;
    for (let round = 0; round < 8; round++) {
      const found = statOrUndefined(this.logPath);
      const pack = statOrUndefined(this.packPath);
      if (!found && !pack) {
        this.reset();
        return { exists: false, damaged: false };
      }
      // A pack without its log is still the thread (its log was lost, or a deletion was cut short): the pack's
      // records stand, and new records continue their numbering in a new log.
      const log = found ?? { size: 0, ino: NO_LOG };
      if (!found) this.recovery.missingLog();
      if (
        this.partial &&
        (log.size !== this.logOffset || log.ino !== this.logIno || (pack?.size ?? 0) !== this.packOffset)
      ) {
        // Another window wrote: a partial picture cannot take deltas against records it skipped.
        this.reset();
        fast = false;
      }
      if (this.partial) return { exists: true, damaged: false };
      if (fast && found && this.state.seq < 0 && this.logIno === -1 && this.tryFastOpen(found, pack))
        return { exists: true, damaged: false };
      if (
        log.ino !== this.logIno ||
        (pack && this.packIno !== -1 && pack.ino !== this.packIno) ||
        (!pack && this.packOffset > 0)
      ) {
        if (this.logIno !== -1) this.reset();
        this.logIno = log.ino;
      }
      if (pack && pack.size > this.packOffset) {
        damaged = this.readPack(pack, repair) || damaged;
        // The pack grew, so a compaction may have emptied and refilled the log: re-read it whole (it is small,
        // and sequence numbers skip the records already applied).
        this.logOffset = 0;
      }
      if (log.size < this.logOffset) this.logOffset = 0;
      const logBytes = log.size > this.logOffset ? readRange(this.logPath, this.logOffset, log.size) : undefined;
      // Compaction appends to the pack before it truncates the log: if the pack is unchanged now, the log
      // bytes just read belong to the generation we already know, and are safe to apply at our offset.
      const packAfter = statOrUndefined(this.packPath);
      if ((packAfter?.size ?? 0) !== (pack?.size ?? 0)) continue;
      if (logBytes) damaged = this.applyLog(logBytes, repair) || damaged;
      if (damaged) this.recovery.lostItems(this.state);
      this.recovery.reportDropped();
      return { exists: true, damaged };
    }
    return { exists: true, damaged };
  }

  private reset(): void {
    this.closeFd();
    this.logRecords = [];
    this.partial = false;
    this.headWrittenSeq = -1;
    this.state = new ThreadState();
    this.packOffset = 0;
    this.logOffset = 0;
    this.packIno = -1;
    this.logIno = -1;
  }

  private readPack(pack: Stats, repair: boolean): boolean {
    this.packIno = pack.ino;
    const read = this.recovery.readPack(this.packOffset, pack.size, repair, this.apply);
    this.packOffset = read.offset;
    return read.damaged;
  }

  private applyLog(buf: Buffer, repair: boolean): boolean {
    if (this.logOffset === 0) this.logRecords = [];
    const read = this.recovery.readLog(buf, this.logOffset, repair, this.logRecords, this.apply);
    this.logOffset = read.offset;
    return read.damaged;
  }

  private readonly apply = (record: ThreadRecord): void => {
    this.state.apply(record, (id) => this.recovery.droppedCheckpoint(id));
  };

  /**
   * Set when a failed write may have left bytes this instance does not know about (a partial line or frame it
   * could not take back): the next write re-reads the files with repair before appending.
   */
  needsRepair = false;

  /**
   * Appends records (caller holds the write lock and has refreshed). A write that fails part-way is taken
   * back (the log is cut to where it was), so the next append never lands after half a line.
   */
  append(records: ThreadRecord[]): void {
    const jsons = records.map((record) => JSON.stringify(record));
    const bytes = Buffer.from(jsons.map(encodeLine).join(""));
    const fd = this.log.open();
    try {
      writeFully(fd, bytes, "log");
    } catch (error) {
      if (bytesWrittenBy(error) > 0) this.takeBack(fd, this.logOffset, "log");
      throw error;
    }
    this.logOffset += bytes.length;
    this.wroteSinceHead = true;
    for (const json of jsons) this.logRecords.push(json);
    if (this.logIno < 0) this.logIno = fstatSync(fd).ino;
    // Memory is rebuilt from what was written, so it holds private copies exactly equal to the disk.
    applyJsons(jsons, this.apply);
  }

  private takeBack(fd: number, length: number, site: "log" | "pack"): void {
    try {
      storeIo.truncate(fd, length, site);
    } catch {
      this.needsRepair = true;
    }
  }

  /**
   * Forgets what memory holds, so the next use reads the files again: after an fsync failed, the kernel may
   * have dropped the written pages, and memory must not show records the disk may not have.
   */
  forget(): void {
    this.reset();
  }

  /** The plain log has grown past `compactBytes`. */
  needsCompaction(compactBytes: number): boolean {
    return this.logOffset >= compactBytes;
  }

  /**
   * Moves the log's records into the pack: one frame of item records, one of everything else. The log is
   * emptied only once the frames are wholly written (and fsynced): a full disk or a failing device leaves
   * the records in the log and the pack as it was.
   */
  compact(fsync: boolean): void {
    const fd = this.log.open();
    // The log's records are kept in memory as they are written or read; if they do not add up to the file's
    // bytes (e.g. a skipped corrupt line), read the file instead.
    let records = this.logRecords;
    if (records.reduce((sum, json) => sum + Buffer.byteLength(json) + PREFIX_BYTES, 0) !== this.logOffset) {
      records = parseLines(readRange(this.logPath, 0, this.logOffset)).records.map((r) => r.json);
    }
    if (records.length === 0) return;
    const bytes = Buffer.concat(framesFor(records));
    const packFd = openForWrite(this.packPath, "a");
    try {
      const before = fstatSync(packFd).size;
      try {
        writeFully(packFd, bytes, "pack");
        if (fsync) storeIo.fsync(packFd, "pack");
      } catch (error) {
        this.takeBack(packFd, before, "pack");
        throw error;
      }
      this.packIno = fstatSync(packFd).ino;
    } finally {
      closeSync(packFd);
    }
    this.packOffset += bytes.length;
    storeIo.truncate(fd, 0, "log");
    if (fsync) storeIo.fsync(fd, "log");
    this.logOffset = 0;
    this.logRecords = [];
  }

  /** The fd to fsync after an append (undefined when the files are gone). */
  syncFd(): number | undefined {
    return this.log.current;
  }

  /**
   * fsyncs the log without blocking the event loop; a reload meanwhile cannot close the fd under it (see LogFd).
   */
  syncLog(fsync: (fd: number) => Promise<void>): Promise<void> {
    return this.log.sync(fsync);
  }

  closeFd(): void {
    this.log.close();
  }

  bytesOnDisk(): number {
    return [this.logPath, this.packPath, this.headPath].reduce(
      (sum, path) => sum + (statOrUndefined(path)?.size ?? 0),
      0,
    );
  }
}
