import { insertSorted, setOwn } from "../json";
import { restoreItems } from "./format/compaction";
import { WRITES_IDX_MAP, type ChannelVersions, type CheckpointMetadata, type CheckpointPendingWrite } from "../types";

/**
 * The in-memory picture of one thread, built by applying its records in order (the same code runs when a
 * thread is loaded from disk and right after this process appends a record, so memory always equals disk).
 *
 * Structure sharing: every array element a thread ever stored is an *item* with a number; an array channel's
 * value is a list of item ranges (`[start, end)` pairs). A turn that appends two messages stores two items
 * and a range list like `[0, 2002]`, so a checkpoint is O(delta) on disk and never needs a replay chain to be
 * read: any checkpoint is its record plus lookups. Unchanged channels point at their parent's slot.
 */

export type Slot = { v: unknown } | { r: number[] };

export interface CheckpointEntry {
  id: string;
  ns: string;
  parent?: string;
  ts: string;
  meta: CheckpointMetadata;
  cv: ChannelVersions;
  vs: Record<string, ChannelVersions>;
  /** Delta base and this record's own channels; `vals` is resolved from them on first use. */
  base?: string;
  x: CheckpointRecordBody["x"];
  d?: string[];
  /** Records since the last self-contained one (bounded: every 32nd record in a chain is written whole). */
  depth: number;
  vals?: Map<string, Slot>;
}

export const MAX_CHAIN = 32;

export interface Namespace {
  byId: Map<string, CheckpointEntry>;
  /** Ascending ids (time-ordered). */
  ids: string[];
}

export interface InfoRecordBody {
  title?: string;
  meta: Record<string, unknown>;
  at: string;
}

/** An info record: the whole metadata, or (`patch`) only the keys it sets and the keys it removes. */
export type InfoRecord = { s: number; t: "i"; patch?: true; unset?: string[] } & InfoRecordBody;

/** Record bodies as stored (`t` tells the kind; `s` is the thread-local sequence number). */
export type CheckpointRecordBody = Extract<ThreadRecord, { t: "c" }>;

export type ThreadRecord =
  | { s: number; t: "h"; v: number; thread: string; at: string }
  | InfoRecord
  | {
      s: number;
      t: "c";
      ns: string;
      id: string;
      p?: string;
      /** Delta base (the parent when it was known at write time); absent = every channel is in `x`. */
      b?: string;
      ts: string;
      m: CheckpointMetadata;
      cv: ChannelVersions;
      vs: Record<string, ChannelVersions>;
      /** Changed channels: `{v}` a value, or `{a}` item ranges (new items come in the "n" record before it). */
      x: Record<string, { v: unknown } | { a: number[] }>;
      /** Channels of the base that this checkpoint no longer has. */
      d?: string[];
    }
  | {
      s: number;
      t: "w";
      ns: string;
      cp: string;
      task: string;
      w: [string, unknown][];
    }
  /** New array elements (messages), numbered from `i`; kept apart so a reader can load them alone. */
  | { s: number; t: "n"; i: number; n: unknown[] };

export type DropReason = (what: string) => void;

export class ThreadState {
  /** Highest sequence number seen (the next record gets seq + 1). */
  seq = -1;
  /** Highest non-item record applied; such records at or below it are duplicates (e.g. after a compaction crash). */
  applied = -1;
  threadId?: string;
  createdAt?: string;
  /** ISO time of the last record with a time (what the catalog calls updatedAt). */
  lastAt?: string;
  info?: InfoRecordBody;
  readonly items: unknown[] = [];
  /** Per item number: true when the item is a flat object (copied with one spread); filled on first copy. */
  readonly flat: boolean[] = [];
  readonly spaces = new Map<string, Namespace>();
  /** `ns \0 checkpointId` → (taskId \0 idx → write). */
  readonly writes = new Map<string, Map<string, CheckpointPendingWrite>>();
  /**
   * The arrays most recently handed to `put` or handed out by a read, per checkpoint and channel, with the
   * item number of each element. A child put compares its elements with these by pointer (no WeakMap: with
   * thousands of messages its ephemerons cost more than the compare saves); anything else falls back to a
   * value compare with the stored item.
   */
  readonly live = new Map<string, Map<string, { arr: unknown[]; nums: number[] }>>();

  remember(checkpointId: string, channel: string, arr: unknown[], nums: number[]): void {
    let byChannel = this.live.get(checkpointId);
    if (!byChannel) {
      this.live.set(checkpointId, (byChannel = new Map()));
      // A handful of recent checkpoints is all a run touches (head, the one being written, a fork's base).
      if (this.live.size > 8) this.live.delete(this.live.keys().next().value!);
    }
    byChannel.set(channel, { arr, nums });
  }
  checkpointCount = 0;

  space(ns: string): Namespace {
    let space = this.spaces.get(ns);
    if (!space) this.spaces.set(ns, (space = { byId: new Map(), ids: [] }));
    return space;
  }

  /** Applies one parsed record; returns false when it was a duplicate. */
  apply(record: ThreadRecord, drop: DropReason): boolean {
    if (record.t === "n") {
      // Item records are idempotent, so they need no ordering: compaction stores them in frames of their own.
      for (let k = 0; k < record.n.length; k++) this.items[record.i + k] = record.n[k];
      if (record.s > this.seq) this.seq = record.s;
      return true;
    }
    if (record.s <= this.applied) return false;
    this.applied = record.s;
    if ("xi" in record) restoreItems(record as Parameters<typeof restoreItems>[0], this.items);
    if (record.s > this.seq) this.seq = record.s;
    switch (record.t) {
      case "h":
        this.threadId = record.thread;
        this.createdAt = record.at;
        this.lastAt ??= record.at;
        break;
      case "i": {
        let meta = record.meta;
        if (record.patch) {
          meta = { ...(this.info?.meta ?? {}) };
          for (const key of record.unset ?? []) delete meta[key];
          for (const key of Object.keys(record.meta)) setOwn(meta, key, record.meta[key]);
        }
        this.info = { ...(record.title !== undefined ? { title: record.title } : {}), meta, at: record.at };
        this.lastAt = maxIso(this.lastAt, record.at);
        break;
      }
      case "c":
        this.applyCheckpoint(record, drop);
        break;
      case "w":
        this.applyWrites(record.ns, record.cp, record.task, record.w);
        break;
    }
    return true;
  }

  private applyCheckpoint(record: CheckpointRecordBody, drop: DropReason): void {
    const space = this.space(record.ns);
    let depth = 0;
    if (record.b !== undefined) {
      const base = space.byId.get(record.b);
      if (!base) {
        drop(record.id);
        return;
      }
      depth = base.depth + 1;
    }
    const entry: CheckpointEntry = {
      id: record.id,
      ns: record.ns,
      ts: record.ts,
      meta: record.m,
      cv: record.cv,
      vs: record.vs,
      x: record.x,
      depth,
    };
    if (record.p !== undefined) entry.parent = record.p;
    if (record.b !== undefined) entry.base = record.b;
    if (record.d !== undefined) entry.d = record.d;
    if (!space.byId.has(record.id)) {
      insertSorted(space.ids, record.id);
      this.checkpointCount++;
    }
    space.byId.set(record.id, entry);
    if (this.lastAt === undefined || record.ts > this.lastAt) this.lastAt = record.ts;
  }

  /** channel → slot of a checkpoint: its base's slots, minus `d`, plus its own `x` (cached). */
  vals(entry: CheckpointEntry): Map<string, Slot> {
    if (entry.vals) return entry.vals;
    let vals: Map<string, Slot>;
    const base = entry.base === undefined ? undefined : this.spaces.get(entry.ns)?.byId.get(entry.base);
    if (base) {
      vals = new Map(this.vals(base));
      for (const channel of entry.d ?? []) vals.delete(channel);
    } else {
      vals = new Map();
    }
    for (const channel of Object.keys(entry.x)) {
      const enc = entry.x[channel]!;
      vals.set(channel, "v" in enc ? { v: enc.v } : { r: enc.a });
    }
    entry.vals = vals;
    return vals;
  }

  private applyWrites(ns: string, checkpointId: string, taskId: string, writes: [string, unknown][]): void {
    const key = `${ns}\u0000${checkpointId}`;
    let forCheckpoint = this.writes.get(key);
    if (!forCheckpoint) this.writes.set(key, (forCheckpoint = new Map()));
    writes.forEach(([channel, value], index) => {
      const idx = WRITES_IDX_MAP[channel] ?? index;
      const writeKey = `${taskId}\u0000${idx}`;
      // Special channels (error, interrupt, resume…) replace; a finished task's ordinary writes are never clobbered.
      if (idx >= 0 && forCheckpoint.has(writeKey)) return;
      forCheckpoint.set(writeKey, [taskId, channel, value]);
    });
  }

  /** The writes of `taskId` that would change anything (so idempotent repeats cost no bytes). */
  effectiveWrites(ns: string, checkpointId: string, taskId: string, writes: [string, unknown][]): boolean {
    const existing = this.writes.get(`${ns}\u0000${checkpointId}`);
    if (!existing) return writes.length > 0;
    return writes.some(([channel], index) => {
      const idx = WRITES_IDX_MAP[channel] ?? index;
      return idx < 0 || !existing.has(`${taskId}\u0000${idx}`);
    });
  }

  pendingWrites(ns: string, checkpointId: string): CheckpointPendingWrite[] {
    return [...(this.writes.get(`${ns}\u0000${checkpointId}`)?.values() ?? [])];
  }

  /** Item numbers below the highest one that no record defines (lost to a corrupt record). */
  missingItems(): number {
    let missing = 0;
    for (let n = 0; n < this.items.length; n++) if (!(n in this.items)) missing++;
    return missing;
  }

  /** Drops everything (used when the files were replaced or removed under us). */
  static empty(): ThreadState {
    return new ThreadState();
  }
}

function maxIso(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}
