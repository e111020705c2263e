import { closeSync, fstatSync, type Stats } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fastOpen } from "./io/fastOpen";
import { LinkedFileError, openForWrite, readRange, removeIfThere, statOrUndefined, truncate } from "./io/fsutil";
import { bytesWrittenBy, storeIo, writeFully } from "./io/io";
import { framesFor } from "./format/compaction";
import { encodeLine, parseFrames, parseLines } from "./format/frame";
import { headCacheOf, writeHeadCache } from "./io/headCache";
import { ThreadState, type ThreadRecord } from "./threadState";
import type { StoreWarning } from "./warnings";

/**
 * One thread on disk: `<stem>.log` (plain record lines, appended and fsynced per write) and `<stem>.pack`
 * (gzip frames of older records). When the log passes `compactBytes` its records are compressed into one
 * frame appended to the pack (fsync), then the log is truncated. A crash in between leaves records in both;
 * sequence numbers make the second copy a no-op. Reads never start from scratch once loaded: they stat both
 * files and read only what was appended since (another window may be writing).
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
  private logFd: number | undefined;

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
    private readonly warn: (warning: StoreWarning) => void,
  ) {}

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
      this.warn({
        code: "HEAD_CACHE_IGNORED",
        threadId: this.threadId,
        file: this.headPath,
        message: `Thread "${this.threadId}": its head cache ${this.headPath} failed its checksum, so it was ignored; the thread was read from its records (nothing lost) and the cache is written again.`,
      });
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
      if (!found) this.reportMissingLog();
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
      if (damaged) this.reportLostItems();
      this.reportDropped();
      return { exists: true, damaged };
    }
    return { exists: true, damaged };
  }

  private reportedLost = 0;
  private reportedMissingLog = false;

  private reportMissingLog(): void {
    if (this.reportedMissingLog) return;
    this.reportedMissingLog = true;
    this.warn({
      code: "MISSING_LOG",
      threadId: this.threadId,
      file: this.logPath,
      message: `Thread "${this.threadId}": its log ${this.logPath} is missing, so its newest records (those not yet compacted) are lost; everything in ${this.packPath} was kept, and new messages continue after it.`,
    });
  }

  private reportLostItems(): void {
    const missing = this.state.missingItems();
    if (missing <= this.reportedLost) return;
    this.reportedLost = missing;
    this.warn({
      code: "LOST_MESSAGES",
      threadId: this.threadId,
      file: this.logPath,
      message: `Thread "${this.threadId}": ${missing} stored message(s) were in corrupt records and are lost; the checkpoints that held them are shown without them.`,
    });
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
    const buf = readRange(this.packPath, this.packOffset, pack.size);
    // Fast path: walk the headers, then inflate every complete frame in one multi-member gunzip (one zlib
    // handle instead of one per frame). Any damage falls back to frame-by-frame recovery.
    const walked = parseFrames(buf, () => false);
    let whole: Buffer | undefined;
    if (walked.bad.length === 0 && walked.complete > 0) {
      try {
        whole = gunzipSync(buf.subarray(0, walked.complete));
      } catch {
        whole = undefined;
      }
    }
    const parsed = whole ? walked : parseFrames(buf);
    if (whole) this.applyLines(whole, "pack");
    else for (const frame of parsed.frames) this.applyLines(frame.data!, "pack");
    let damaged = false;
    for (const bad of parsed.bad) {
      damaged = true;
      this.warn({
        code: "CORRUPT_PACK",
        threadId: this.threadId,
        file: this.packPath,
        message: `Thread "${this.threadId}": skipped ${bad.end - bad.start} corrupt bytes in ${this.packPath}; records stored there are lost, everything else was kept.`,
      });
    }
    if (parsed.tornTail) {
      damaged = true;
      const end = this.packOffset + parsed.complete;
      if (repair && this.cut(this.packPath, end, "pack")) {
        this.warn({
          code: "TORN_PACK_TAIL",
          threadId: this.threadId,
          file: this.packPath,
          message: `Thread "${this.threadId}": removed ${pack.size - end} bytes of an unfinished or truncated frame at the end of ${this.packPath}; every intact record was kept (records only in that frame are lost).`,
        });
        this.packOffset = end;
        return damaged;
      }
    }
    this.packOffset += parsed.complete;
    return damaged;
  }

  /** Cuts a damaged tail off; false (with a warning) when the file is a symbolic link, which is never written. */
  private cut(path: string, end: number, site: "log" | "pack"): boolean {
    try {
      truncate(path, end, site);
      return true;
    } catch (error) {
      if (!(error instanceof LinkedFileError)) throw error;
      this.warn({
        code: "LINKED_FILE",
        threadId: this.threadId,
        file: path,
        message: `Thread "${this.threadId}": ${path} is a symbolic link, so its damaged end was not repaired (Skein never writes through links); the thread cannot take new messages until the link is replaced by the file itself.`,
      });
      return false;
    }
  }

  private applyLog(buf: Buffer, repair: boolean): boolean {
    const parsed = parseLines(buf);
    if (this.logOffset === 0) this.logRecords = [];
    for (const { json } of parsed.records) this.logRecords.push(json);
    this.applyParsed(
      parsed.records.map((r) => r.json),
      "log",
    );
    let damaged = false;
    // Garbage after the last good record (a torn write, possibly followed by junk) is cut off by the writer,
    // so the next append starts on a clean line; bad lines between good ones are skipped on every read.
    const lastGood = parsed.records.length > 0 ? parsed.records[parsed.records.length - 1]!.end : 0;
    const middle = parsed.bad.filter((b) => b.end <= lastGood);
    if (middle.length > 0) {
      damaged = true;
      const bytes = middle.reduce((sum, b) => sum + b.end - b.start, 0);
      this.warn({
        code: "CORRUPT_RECORD",
        threadId: this.threadId,
        file: this.logPath,
        message: `Thread "${this.threadId}": dropped ${middle.length} corrupt record line(s) (${bytes} bytes) in ${this.logPath}; everything else was kept.`,
      });
    }
    if (parsed.complete < buf.length || parsed.bad.some((b) => b.start >= lastGood)) {
      damaged = true;
      const end = this.logOffset + lastGood;
      if (repair && this.cut(this.logPath, end, "log")) {
        this.warn({
          code: "TORN_TAIL",
          threadId: this.threadId,
          file: this.logPath,
          message: `Thread "${this.threadId}": removed ${buf.length - lastGood} bytes of an unfinished or garbled record at the end of ${this.logPath} (a write cut off by a crash); every complete record was kept.`,
        });
        this.logOffset = end;
        return damaged;
      }
      this.logOffset += lastGood;
      return damaged;
    }
    this.logOffset += parsed.complete;
    return damaged;
  }

  /** A pack frame's payload (bare record lines): its gzip CRC covers them, so it is parsed in one native call. */
  private applyLines(payload: Buffer, where: string): void {
    const text = payload.toString("utf8");
    let records: ThreadRecord[];
    try {
      records = JSON.parse(`[${text.slice(0, -1).replaceAll("\n", ",")}]`) as ThreadRecord[];
    } catch {
      records = [];
      for (const line of text.split("\n")) {
        try {
          if (line) records.push(JSON.parse(line) as ThreadRecord);
        } catch {
          /* unreachable in practice: the frame's CRC matched */
        }
      }
    }
    for (const record of records) this.applyRecord(record, where);
  }

  private applyParsed(jsons: string[], where: string): void {
    for (const json of jsons) {
      let record: ThreadRecord;
      try {
        record = JSON.parse(json) as ThreadRecord;
      } catch {
        continue; // unreachable in practice: the checksum matched
      }
      this.applyRecord(record, where);
    }
  }

  private applyRecord(record: ThreadRecord, where: string): void {
    void where;
    this.state.apply(record, (id) => this.dropped.push(id));
  }

  /** Checkpoints whose delta base was lost, reported as one warning per refresh. */
  private dropped: string[] = [];

  private reportDropped(): void {
    if (this.dropped.length === 0) return;
    const ids = this.dropped.splice(0);
    this.warn({
      code: "DROPPED_CHECKPOINT",
      threadId: this.threadId,
      file: this.logPath,
      message: `Thread "${this.threadId}": dropped ${ids.length} checkpoint(s) stored as changes to a lost record (${ids[0]}${ids.length > 1 ? ` … ${ids[ids.length - 1]}` : ""}); later checkpoints were kept.`,
    });
  }

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
    const fd = this.fd();
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
    this.applyParsed(jsons, "log");
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
    const fd = this.fd();
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

  fd(): number {
    if (this.logFd === undefined) this.logFd = openForWrite(this.logPath, "a");
    return this.logFd;
  }

  /** The fd to fsync after an append (undefined when the files are gone). */
  syncFd(): number | undefined {
    return this.logFd;
  }

  /** fsyncs in flight on the log's fd, and fds let go of meanwhile (closed when the last of them ends). */
  private syncing = 0;
  private retired: number[] = [];

  /**
   * fsyncs the log without blocking the event loop. A read may reload the thread meanwhile (a full load, another
   * window's write) and let go of the fd: it stays open until this fsync ends, so the fsync never meets a closed
   * fd (EBADF) or one the kernel already handed to another file.
   */
  async syncLog(fsync: (fd: number) => Promise<void>): Promise<void> {
    const fd = this.logFd;
    if (fd === undefined) return;
    this.syncing++;
    try {
      await fsync(fd);
    } finally {
      if (--this.syncing === 0) for (const old of this.retired.splice(0)) closeQuietly(old);
    }
  }

  closeFd(): void {
    if (this.logFd === undefined) return;
    if (this.syncing > 0) this.retired.push(this.logFd);
    else closeQuietly(this.logFd);
    this.logFd = undefined;
  }

  bytesOnDisk(): number {
    return [this.logPath, this.packPath, this.headPath].reduce(
      (sum, path) => sum + (statOrUndefined(path)?.size ?? 0),
      0,
    );
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}
