import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { setOwn } from "../json";
import type { ThreadInfo } from "../types";
import { encodeLine, parseLines } from "./format/frame";
import { fsyncDir, openForWrite, truncate } from "./io/fsutil";
import { bytesWrittenBy, replaceFile, storeIo, writeFully } from "./io/io";
import { release, tryAcquire } from "./locks/lock";
import type { StoreWarning } from "./warnings";

/**
 * The thread catalog: `catalog.log`, record lines appended by every window (O_APPEND, one write per record,
 * so lines never interleave) and folded in memory. It is an index: every fact in it can be rebuilt from the
 * thread files (see `rebuild` in the saver). Creation and deletion are two-phase so a crash never leaves a
 * listed thread without data, nor data that reappears after deletion:
 *   new (fsync) → thread file written → up        del (fsync) → thread files removed → gone
 * When it has grown to twice its live entries it is rewritten (tmp + fsync + rename + fsync dir) under a lock;
 * an appender that raced with the rewrite sees the inode change and appends again.
 */
export type CatalogRecord =
  | { op: "hdr"; v: number }
  | { op: "new"; id: string; at: string }
  | {
      op: "up";
      id: string;
      at: string;
      created?: string;
      title?: string | null;
      /** The whole metadata, or a patch: keys to set (`mp`) and keys to remove (`mu`). */
      meta?: Record<string, unknown>;
      mp?: Record<string, unknown>;
      mu?: string[];
    }
  | { op: "touch"; id: string; at: string }
  | { op: "del"; id: string }
  | { op: "gone"; id: string };

export const CATALOG_VERSION = 1;

interface Entry {
  info: ThreadInfo;
  order: number;
  state: "new" | "ok" | "del";
}

export class Catalog {
  readonly entries = new Map<string, Entry>();
  private offset = 0;
  private ino = -1;
  private lines = 0;
  private fd: number | undefined;
  private fdIno = -1;
  /** Set when a complete line failed its checksum: the saver rebuilds the catalog from the threads. */
  corrupt = false;
  /** The last read ended in an unfinished line (a crash mid-append, or a write in progress). */
  tornTail = false;

  constructor(
    readonly path: string,
    private readonly lockPath: string,
    private readonly warn: (warning: StoreWarning) => void,
  ) {}

  exists(): boolean {
    try {
      statSync(this.path);
      return true;
    } catch {
      return false;
    }
  }

  /** Reads what other windows appended since the last look (or everything after a rewrite). */
  refresh(repair = false): void {
    let st;
    try {
      st = statSync(this.path);
    } catch {
      this.reset();
      return;
    }
    if (st.ino !== this.ino || st.size < this.offset) {
      this.reset();
      this.ino = st.ino;
    }
    if (st.size === this.offset) return;
    const buf = Buffer.alloc(st.size - this.offset);
    const fd = openSync(this.path, "r");
    let got = 0;
    try {
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    const parsed = parseLines(buf.subarray(0, got));
    if (parsed.bad.length > 0) this.corrupt = true;
    for (const { json } of parsed.records) {
      try {
        this.apply(JSON.parse(json) as CatalogRecord);
      } catch {
        this.corrupt = true;
      }
    }
    this.tornTail = parsed.complete < got;
    // Appends are not locked: an unfinished line written in the last moments may be another window's append
    // in progress, so only an old one is cut (left by a crash).
    if (repair && parsed.complete < got && Date.now() - st.mtimeMs > 2_000) {
      const end = this.offset + parsed.complete;
      truncate(this.path, end, "catalog");
      this.warn({
        code: "CATALOG_TORN_TAIL",
        file: this.path,
        message: `The thread catalog ended in an unfinished record (a crash): removed ${got - parsed.complete} bytes; threads are unaffected.`,
      });
    }
    this.offset += parsed.complete;
    this.appended = 0;
  }

  private reset(): void {
    this.appended = 0;
    this.entries.clear();
    this.offset = 0;
    this.ino = -1;
    this.lines = 0;
    this.corrupt = false;
    this.closeFd();
  }

  private apply(record: CatalogRecord): void {
    this.lines++;
    if (record.op === "hdr") return;
    const existing = this.entries.get(record.id);
    switch (record.op) {
      case "new":
        this.entries.set(record.id, {
          info: { threadId: record.id, createdAt: record.at, updatedAt: record.at, metadata: {} },
          order: this.lines,
          state: "new",
        });
        break;
      case "up":
      case "touch": {
        // A touch never creates an entry: one arriving after a deletion (a window that still had the thread
        // open) must not bring the thread back.
        if (record.op === "touch" && !existing) return;
        const entry = existing ?? {
          info: { threadId: record.id, createdAt: record.at, updatedAt: record.at, metadata: {} },
          order: 0,
          state: "ok" as const,
        };
        if (entry.state === "del") return;
        entry.state = "ok";
        entry.order = this.lines;
        if (record.at > entry.info.updatedAt) entry.info.updatedAt = record.at;
        if (record.op === "up") {
          if (record.created !== undefined) entry.info.createdAt = record.created;
          if (record.title === null) delete entry.info.title;
          else if (record.title !== undefined) entry.info.title = record.title;
          if (record.meta !== undefined) entry.info.metadata = record.meta;
          if (record.mp !== undefined || record.mu !== undefined) {
            const metadata = { ...entry.info.metadata };
            for (const key of record.mu ?? []) delete metadata[key];
            for (const key of Object.keys(record.mp ?? {})) setOwn(metadata, key, record.mp![key]);
            entry.info.metadata = metadata;
          }
        }
        this.entries.set(record.id, entry);
        break;
      }
      case "del":
        if (existing) existing.state = "del";
        else
          this.entries.set(record.id, {
            info: { threadId: record.id, createdAt: "", updatedAt: "", metadata: {} },
            order: this.lines,
            state: "del",
          });
        break;
      case "gone":
        this.entries.delete(record.id);
        break;
    }
  }

  /**
   * Appends records; `durable` fsyncs them (creation and deletion intents). A write that fails part-way
   * leaves an unfinished line; the next append starts with a line break so that line stays on its own (it
   * fails its checksum, and the next open rebuilds the catalog from the threads).
   */
  append(records: CatalogRecord[], durable: boolean): void {
    if (this.deferred.length > 0) records = [...this.deferred, ...records];
    const text = Buffer.from(
      (this.brokenLine ? "\n" : "") + records.map((r) => encodeLine(JSON.stringify(r))).join(""),
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.fd === undefined) {
        this.fd = openForWrite(this.path, "a");
        this.fdIno = fstatSync(this.fd).ino;
      }
      try {
        writeFully(this.fd, text, "catalog");
      } catch (error) {
        if (bytesWrittenBy(error) > 0) this.brokenLine = true;
        throw error;
      }
      this.brokenLine = false;
      this.deferred = [];
      if (durable) storeIo.fsync(this.fd, "catalog");
      let current: number;
      try {
        current = statSync(this.path).ino;
      } catch {
        current = -1;
      }
      if (current === this.fdIno) break;
      // The catalog was rewritten under us: our line went to the old file; write it again to the new one.
      this.closeFd();
    }
    this.appended += records.length;
    // Touches are read back lazily (listThreads refreshes); lifecycle records at once, they change listings.
    if (records.some((r) => r.op !== "touch")) this.refresh();
  }

  /**
   * Appends index records that follow thread data already durable (touches, a finished creation or deletion):
   * if the write fails they are kept for the next append instead of failing the caller. Returns the error.
   */
  appendIndex(records: CatalogRecord[]): Error | undefined {
    try {
      this.append(records, false);
      return undefined;
    } catch (error) {
      this.deferred = [...this.deferred, ...records].slice(-10_000);
      return error as Error;
    }
  }

  /** Index records a failed append could not write yet. */
  private deferred: CatalogRecord[] = [];

  /** A failed append left an unfinished line at the end. */
  private brokenLine = false;

  /** Lines this instance appended since it last read the file (so compaction is due without a refresh). */
  private appended = 0;

  /**
   * Rewrites the catalog as one line per live entry when it has grown to more than twice that — or at once
   * (`force`, after a delete) so no line with a deleted thread's title or preview stays on disk. `tight`
   * (at close) rewrites from 1.25× already, so the next window's first listing reads about one line a thread.
   */
  maybeCompact(fsync: boolean, force = false, tight = false): void {
    if (!force && this.lines + this.appended < (tight ? 1.25 : 2) * this.entries.size + 32) return;
    const lock = tryAcquire(this.lockPath, "write");
    if (!lock.ok) return; // someone else is compacting
    try {
      this.refresh();
      this.writeAll([...this.entries.values()], fsync);
    } catch {
      // Only an optimisation: e.g. Windows refuses to rename over a file another window holds open.
    } finally {
      release(this.lockPath, lock.token);
    }
  }

  /** Replaces the whole file with these entries, keeping their relative order. */
  writeAll(entries: { info: ThreadInfo; order: number; state: "new" | "ok" | "del" }[], fsync: boolean): void {
    const sorted = [...entries].sort((a, b) => a.order - b.order);
    const lines: string[] = [encodeLine(JSON.stringify({ op: "hdr", v: CATALOG_VERSION }))];
    for (const { info, state } of sorted) {
      if (state === "del") lines.push(encodeLine(JSON.stringify({ op: "del", id: info.threadId })));
      else {
        const record: CatalogRecord = { op: state === "new" ? "new" : "up", id: info.threadId, at: info.updatedAt };
        if (record.op === "up") {
          record.created = info.createdAt;
          if (info.title !== undefined) record.title = info.title;
          record.meta = info.metadata;
        }
        lines.push(encodeLine(JSON.stringify(record)));
      }
    }
    replaceFile(this.path, `${this.path}.tmp-${process.pid}`, Buffer.from(lines.join("")), fsync, "catalogRewrite");
    if (fsync) fsyncDir(dirname(this.path));
    this.reset();
    this.refresh();
  }

  /** Listed entries (state ok), most recently updated first. */
  listed(): ThreadInfo[] {
    const live = [...this.entries.values()].filter((e) => e.state === "ok");
    live.sort((a, b) =>
      a.info.updatedAt < b.info.updatedAt ? 1 : a.info.updatedAt > b.info.updatedAt ? -1 : b.order - a.order,
    );
    return live.map((e) => e.info);
  }

  closeFd(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* closed */
      }
      this.fd = undefined;
    }
  }
}
