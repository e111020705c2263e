import type pg from "pg";
import { deepCopy } from "../json";
import type { ChannelVersions, CheckpointMetadata, CheckpointPendingWrite, CheckpointTuple } from "../types";
import { decodeValues, type Slots, type ThreadCache } from "./values";

/** One checkpoint as selected, with its thread's `gen` and its pending writes. */
export interface CheckpointRow {
  thread_id: string;
  ns: string;
  id: string;
  parent_id: string | null;
  ts: string;
  metadata: CheckpointMetadata;
  versions: ChannelVersions;
  seen: Record<string, ChannelVersions>;
  vals: Slots;
  gen: string;
  writes: CheckpointPendingWrite[] | null;
}

export interface SelectOptions {
  threadId?: string;
  ns?: string;
  id?: string;
  /** Only ids below this one. */
  before?: string;
  /** Metadata equality on every key. */
  filter?: Record<string, unknown>;
  /** Keyset paging: rows after this one in list order. */
  after?: CheckpointRow;
  limit: number;
}

type Query = (sql: string, params: unknown[]) => Promise<pg.QueryResult>;

/** Reading checkpoints: rows newest first, and tuples built from a row plus the thread's items. */
export class CheckpointRows {
  constructor(
    private readonly t: string,
    private readonly query: Query,
    private readonly cacheOf: (threadId: string, gen: string) => ThreadCache,
  ) {}

  async select(options: SelectOptions): Promise<CheckpointRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (options.threadId !== undefined) where.push(`c.thread_id = ${param(options.threadId)}`);
    if (options.ns !== undefined) where.push(`c.ns = ${param(options.ns)}`);
    if (options.id !== undefined) where.push(`c.id = ${param(options.id)}`);
    if (options.before !== undefined) where.push(`c.id < ${param(options.before)}`);
    for (const [key, value] of Object.entries(options.filter ?? {})) {
      // jsonb equality is structural (LangGraph's filter is metadata equality); an undefined value = key absent.
      if (value === undefined) where.push(`NOT (c.metadata ? ${param(key)})`);
      else where.push(`c.metadata -> ${param(key)} = ${param(JSON.stringify(value))}::jsonb`);
    }
    if (options.after) {
      const { id, thread_id, ns } = options.after;
      where.push(`(c.id, c.thread_id, c.ns) < (${param(id)}, ${param(thread_id)}, ${param(ns)})`);
    }
    const t = this.t;
    const sql = `SELECT c.thread_id, c.ns, c.id, c.parent_id, c.ts, c.metadata, c.versions, c.seen, c.vals, th.gen,
        (SELECT json_agg(json_build_array(w.task_id, w.channel, w.value) ORDER BY w.seq) FROM ${t}.writes w
          WHERE w.thread_id = c.thread_id AND w.ns = c.ns AND w.checkpoint_id = c.id) AS writes
      FROM ${t}.checkpoints c JOIN ${t}.threads th ON th.thread_id = c.thread_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY c.id DESC, c.thread_id DESC, c.ns DESC LIMIT ${param(options.limit)}`;
    return (await this.query(sql, params)).rows as CheckpointRow[];
  }

  /** Loads the items of `vals` this process lacks. */
  async loadItems(threadId: string, cache: ThreadCache, vals: Slots, query: Query = this.query): Promise<void> {
    const missing = cache.missing(vals);
    if (missing.length === 0) return;
    const result = await query(`SELECT no, value FROM ${this.t}.items WHERE thread_id = $1 AND no = ANY($2::int[])`, [
      threadId,
      missing,
    ]);
    for (const row of result.rows as { no: number; value: unknown }[]) cache.items.set(row.no, row.value);
  }

  /** A fresh tuple; `remember`: the caller is a run that may put a child, so arrays are kept for pointer compares. */
  async toTuple(row: CheckpointRow, remember: boolean): Promise<CheckpointTuple> {
    const cache = this.cacheOf(row.thread_id, row.gen);
    await this.loadItems(row.thread_id, cache, row.vals);
    if (remember) cache.rememberSlots(row.ns, row.id, row.versions, row.vals);
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id: row.thread_id, checkpoint_ns: row.ns, checkpoint_id: row.id } },
      checkpoint: {
        v: 4,
        id: row.id,
        ts: row.ts,
        channel_values: decodeValues(cache, row.ns, row.id, row.vals, remember),
        channel_versions: remember ? deepCopy(row.versions) : row.versions,
        versions_seen: row.seen,
      },
      metadata: row.metadata,
      pendingWrites: row.writes ?? [],
    };
    if (row.parent_id !== null) {
      tuple.parentConfig = {
        configurable: { thread_id: row.thread_id, checkpoint_ns: row.ns, checkpoint_id: row.parent_id },
      };
    }
    return tuple;
  }

  /** The parent's versions and slots for a put (from this process's cache, else read in the put's transaction). */
  async slotsFor(
    client: pg.PoolClient,
    threadId: string,
    ns: string,
    id: string,
    cache: ThreadCache,
  ): Promise<{ cv: ChannelVersions; vals: Slots } | undefined> {
    let slots = cache.slotsOf(ns, id);
    if (!slots) {
      const result = await client.query<{ versions: ChannelVersions; vals: Slots }>(
        `SELECT versions, vals FROM ${this.t}.checkpoints WHERE thread_id = $1 AND ns = $2 AND id = $3`,
        [threadId, ns, id],
      );
      const row = result.rows[0];
      if (!row) return undefined;
      slots = { cv: row.versions, vals: row.vals };
    }
    await this.loadItems(threadId, cache, slots.vals, (sql, params) => client.query(sql, params));
    return slots;
  }
}
