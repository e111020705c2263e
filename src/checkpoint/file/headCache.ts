import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { CheckpointPendingWrite, ChannelVersions, CheckpointMetadata } from "../types";
import type { InfoRecordBody, Slot, ThreadState } from "./threadState";

/**
 * `<stem>.head`: a small snapshot of the thread's newest root checkpoint (its record fields, slot table and
 * pending writes — never the messages, which stay in the pack's item frames). It lets a fresh window open a
 * long thread by inflating only the item frames instead of replaying every record. It is a cache: written with
 * rename-into-place (no fsync), trusted only when its sequence number equals the newest record on disk, and
 * otherwise ignored in favour of a full load.
 */
export interface HeadCache {
  v: 1;
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
    v: 1,
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
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, path);
  } catch {
    /* a cache: failing to write it only makes the next open slower */
  }
}

export function readHeadCache(path: string, threadId: string): HeadCache | undefined {
  try {
    const cache = JSON.parse(readFileSync(path, "utf8")) as HeadCache;
    return cache.v === 1 && cache.thread === threadId && Number.isInteger(cache.seq) ? cache : undefined;
  } catch {
    return undefined;
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
