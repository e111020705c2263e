import { gunzipSync } from "node:zlib";
import { parseFrames, parseLines } from "./format/frame";
import { LinkedFileError, readRange, truncate } from "./io/fsutil";
import type { ThreadRecord, ThreadState } from "./threadState";
import type { StoreWarning } from "./warnings";

type Apply = (record: ThreadRecord) => void;

/**
 * Reading one thread's pack and log past damage, and saying what was lost: corrupt frames and record lines are
 * skipped, a torn tail is cut off under `repair` (only the holder of the write lock repairs, so the next append
 * starts on a clean line), and each kind of damage is reported as a StoreWarning. A missing log and lost
 * messages are reported once per instance (every refresh finds them again); checkpoints dropped for a lost
 * delta base are collected while records are applied and reported once per refresh.
 */
export class ThreadRecovery {
  private reportedLost = 0;
  private reportedMissingLog = false;
  private dropped: string[] = [];

  constructor(
    private readonly threadId: string,
    private readonly logPath: string,
    private readonly packPath: string,
    private readonly warn: (warning: StoreWarning) => void,
  ) {}

  /**
   * Applies the pack's frames from `offset` to `size`. Returns the offset after the last complete frame, and
   * whether anything was damaged.
   */
  readPack(offset: number, size: number, repair: boolean, apply: Apply): { offset: number; damaged: boolean } {
    const buf = readRange(this.packPath, offset, size);
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
    if (whole) applyLines(whole, apply);
    else for (const frame of parsed.frames) applyLines(frame.data!, apply);
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
    const end = offset + parsed.complete;
    if (parsed.tornTail) {
      damaged = true;
      if (repair && this.cut(this.packPath, end, "pack")) {
        this.warn({
          code: "TORN_PACK_TAIL",
          threadId: this.threadId,
          file: this.packPath,
          message: `Thread "${this.threadId}": removed ${size - end} bytes of an unfinished or truncated frame at the end of ${this.packPath}; every intact record was kept (records only in that frame are lost).`,
        });
      }
    }
    return { offset: end, damaged };
  }

  /**
   * Applies log bytes read from `offset`, adding each record's JSON to `records` (what the next compaction
   * moves to the pack). Returns the offset after the last record it could use, and whether anything was damaged.
   */
  readLog(
    buf: Buffer,
    offset: number,
    repair: boolean,
    records: string[],
    apply: Apply,
  ): { offset: number; damaged: boolean } {
    const parsed = parseLines(buf);
    for (const { json } of parsed.records) records.push(json);
    applyJsons(
      parsed.records.map((r) => r.json),
      apply,
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
      const end = offset + lastGood;
      if (repair && this.cut(this.logPath, end, "log")) {
        this.warn({
          code: "TORN_TAIL",
          threadId: this.threadId,
          file: this.logPath,
          message: `Thread "${this.threadId}": removed ${buf.length - lastGood} bytes of an unfinished or garbled record at the end of ${this.logPath} (a write cut off by a crash); every complete record was kept.`,
        });
      }
      return { offset: end, damaged };
    }
    return { offset: offset + parsed.complete, damaged };
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

  headCacheIgnored(headPath: string): void {
    this.warn({
      code: "HEAD_CACHE_IGNORED",
      threadId: this.threadId,
      file: headPath,
      message: `Thread "${this.threadId}": its head cache ${headPath} failed its checksum, so it was ignored; the thread was read from its records (nothing lost) and the cache is written again.`,
    });
  }

  missingLog(): void {
    if (this.reportedMissingLog) return;
    this.reportedMissingLog = true;
    this.warn({
      code: "MISSING_LOG",
      threadId: this.threadId,
      file: this.logPath,
      message: `Thread "${this.threadId}": its log ${this.logPath} is missing, so its newest records (those not yet compacted) are lost; everything in ${this.packPath} was kept, and new messages continue after it.`,
    });
  }

  lostItems(state: ThreadState): void {
    const missing = state.missingItems();
    if (missing <= this.reportedLost) return;
    this.reportedLost = missing;
    this.warn({
      code: "LOST_MESSAGES",
      threadId: this.threadId,
      file: this.logPath,
      message: `Thread "${this.threadId}": ${missing} stored message(s) were in corrupt records and are lost; the checkpoints that held them are shown without them.`,
    });
  }

  /** A checkpoint whose delta base was lost, reported by the next `reportDropped`. */
  droppedCheckpoint(id: string): void {
    this.dropped.push(id);
  }

  reportDropped(): void {
    if (this.dropped.length === 0) return;
    const ids = this.dropped.splice(0);
    this.warn({
      code: "DROPPED_CHECKPOINT",
      threadId: this.threadId,
      file: this.logPath,
      message: `Thread "${this.threadId}": dropped ${ids.length} checkpoint(s) stored as changes to a lost record (${ids[0]}${ids.length > 1 ? ` … ${ids[ids.length - 1]}` : ""}); later checkpoints were kept.`,
    });
  }
}

/** Applies record lines already checked by their checksum. */
export function applyJsons(jsons: string[], apply: Apply): void {
  for (const json of jsons) {
    let record: ThreadRecord;
    try {
      record = JSON.parse(json) as ThreadRecord;
    } catch {
      continue; // unreachable in practice: the checksum matched
    }
    apply(record);
  }
}

/** A pack frame's payload (bare record lines): its gzip CRC covers them, so it is parsed in one native call. */
function applyLines(payload: Buffer, apply: Apply): void {
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
  for (const record of records) apply(record);
}
