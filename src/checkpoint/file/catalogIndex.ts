/**
 * The file saver's writes to the catalog that follow thread data: the two-phase creation of a thread, the
 * entries written after a write (created, re-listed, gone), and the coalesced "touch" that keeps the thread
 * list in recency order. The catalog is an index: when it cannot be written (a full disk) the thread data still
 * stands, so a failure warns once and the records go out with the next catalog write that succeeds.
 */
import { join } from "node:path";
import type { Catalog, CatalogRecord } from "./catalog";
import { fsyncDir } from "./io/fsutil";
import { storeIo } from "./io/io";
import type { ThreadFiles } from "./threadFiles";
import type { StoreWarning } from "./warnings";

export class CatalogIndex {
  private lastTime = 0;
  private failing = false;
  private lastTouch: { threadId: string; at: number; pending: boolean } | undefined;

  constructor(
    private readonly directory: string,
    /** Opens the store on first use. */
    private readonly catalog: () => Catalog,
    private readonly fsync: boolean,
    private readonly warn: (warning: StoreWarning) => void,
  ) {}

  /** Now as an ISO time, never earlier than the last one given out (the clock may step back). */
  now(): string {
    this.lastTime = Math.max(Date.now(), this.lastTime);
    return new Date(this.lastTime).toISOString();
  }

  /** Two-phase: the catalog's durable "new" first, so a crash never leaves thread data the catalog misses. */
  createThread(files: ThreadFiles): void {
    const at = this.now();
    this.catalog().append([{ op: "new", id: files.threadId, at }], this.fsync);
    files.append([{ s: 0, t: "h", v: 1, thread: files.threadId, at }]);
    if (this.fsync) {
      const fd = files.syncFd();
      if (fd !== undefined) storeIo.fsync(fd, "log");
      fsyncDir(join(this.directory, "threads"));
    }
  }

  /** Writes catalog records that follow durable thread data; a failure warns (once) instead of failing the turn. */
  index(threadId: string, records: CatalogRecord[]): void {
    const error = this.catalog().appendIndex(records);
    if (!error) {
      this.failing = false;
      return;
    }
    if (this.failing) return;
    this.failing = true;
    this.warn({
      code: "CATALOG_WRITE_FAILED",
      threadId,
      file: join(this.directory, "catalog.log"),
      message: `Thread "${threadId}" was saved, but the thread list could not be updated (${error.message}); it is updated with the next write that succeeds. Free some disk space.`,
    });
  }

  /**
   * Bumps the thread's catalog entry. Consecutive puts to the same thread within a second share one touch
   * (a turn writes three checkpoints; the catalog should not grow faster than the thread).
   */
  touch(threadId: string): void {
    const catalog = this.catalog();
    const now = Date.now();
    if (this.lastTouch?.threadId === threadId && now - this.lastTouch.at < 1_000) {
      this.lastTouch.pending = true;
      return;
    }
    this.lastTouch = { threadId, at: now, pending: false };
    this.index(threadId, [{ op: "touch", id: threadId, at: this.now() }]);
    catalog.maybeCompact(this.fsync);
  }

  /** A coalesced touch is written before anything that reads or reorders the catalog. */
  flushTouch(): void {
    if (!this.lastTouch?.pending) return;
    const { threadId } = this.lastTouch;
    this.lastTouch = undefined;
    this.touch(threadId);
  }
}
