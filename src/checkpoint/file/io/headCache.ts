import { readFileSync } from "node:fs";
import type { CheckpointPendingWrite, ChannelVersions, CheckpointMetadata } from "../../types";
import { encodeLine, parseLines } from "../format/frame";
import { replaceFile } from "./io";
import type { InfoRecordBody, Slot, ThreadState } from "../threadState";

/**
 * `<stem>.head`: a small snapshot of the thread's newest root checkpoint (its record fields, slot table and
 * pending writes — never the messages, which stay in the pack's item frames). It lets a fresh window open a
 * long thread by inflating only the item frames instead of replaying every record. It is a cache: one
 * checksummed record line (like the log's), written with rename-into-place (no fsync), trusted only when its
 * checksum holds and its sequence number equals the newest record on disk, and otherwise ignored in favour of
 * a full load.
 */
export interface HeadCache {
  v: 2;
  thread: string;
  seq: number;
  items: number;
  created?: string;
  lastAt?: string;
  info?: InfoRecordBody;
  head: {
    id: string;
    ts: string;
    parent?: string;
    meta: CheckpointMetadata;
    cv: ChannelVersions;
    vs: Record<string, ChannelVersions>;
    depth: number;
    vals: [string, Slot][];
    /** [taskId \0 index, write]: the keys the insert-or-ignore rule needs. */
    writes: [string, CheckpointPendingWrite][];
  };
}

export function headCacheOf(state: ThreadState, threadId: string): HeadCache | undefined {
  const space = state.spaces.get("");
  const id = space?.ids[space.ids.length - 1];
  const entry = id === undefined ? undefined : space!.byId.get(id);
  if (!entry || state.seq < 0) return undefined;
  const cache: HeadCache = {
    v: 2,
    thread: threadId,
    seq: state.seq,
    items: state.items.length,
    head: {
      id: entry.id,
      ts: entry.ts,
      meta: entry.meta,
      cv: entry.cv,
      vs: entry.vs,
      depth: entry.depth,
      vals: [...state.vals(entry)],
      writes: [...(state.writes.get(`\u0000${entry.id}`) ?? [])],
    },
  };
  if (entry.parent !== undefined) cache.head.parent = entry.parent;
  if (state.createdAt !== undefined) cache.created = state.createdAt;
  if (state.lastAt !== undefined) cache.lastAt = state.lastAt;
  if (state.info !== undefined) cache.info = state.info;
  return cache;
}

export function writeHeadCache(path: string, cache: HeadCache): void {
  try {
    replaceFile(path, `${path}.tmp-${process.pid}`, Buffer.from(encodeLine(JSON.stringify(cache))), false, "head");
  } catch {
    /* a cache: failing to write it only makes the next open slower */
  }
}

/**
 * The cache, or why not: "missing" (none, or one written by an older Skein: silently rebuilt) or "damaged"
 * (its checksum or shape is wrong: the caller warns, loads every record and writes a fresh one).
 */
export function readHeadCache(path: string, threadId: string): HeadCache | "missing" | "damaged" {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return "missing";
  }
  if (bytes.subarray(0, 6).toString("latin1") === '{"v":1') return "missing";
  const lines = parseLines(bytes);
  if (lines.records.length !== 1 || lines.bad.length > 0 || lines.complete !== bytes.length) return "damaged";
  try {
    const cache = JSON.parse(lines.records[0]!.json) as HeadCache;
    return cache.v === 2 && cache.thread === threadId && Number.isInteger(cache.seq) ? cache : "damaged";
  } catch {
    return "damaged";
  }
}

/** Seeds an empty state from the cache: the head entry with its resolved slots and writes. */
export function applyHeadCache(state: ThreadState, cache: HeadCache): void {
  const { head } = cache;
  state.seq = cache.seq;
  state.applied = cache.seq;
  state.threadId = cache.thread;
  if (cache.created !== undefined) state.createdAt = cache.created;
  if (cache.lastAt !== undefined) state.lastAt = cache.lastAt;
  if (cache.info !== undefined) state.info = cache.info;
  const space = state.space("");
  space.byId.set(head.id, {
    id: head.id,
    ns: "",
    ts: head.ts,
    meta: head.meta,
    cv: head.cv,
    vs: head.vs,
    x: {},
    depth: head.depth,
    vals: new Map(head.vals),
    ...(head.parent !== undefined ? { parent: head.parent } : {}),
  });
  space.ids.push(head.id);
  state.checkpointCount = 1;
  if (head.writes.length > 0) state.writes.set(`\u0000${head.id}`, new Map(head.writes));
}
