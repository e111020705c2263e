import type pg from "pg";
import { deepCopy } from "../json";
import { migratePendingSends, TASKS_CHANNEL } from "../migrate";
import {
  WRITES_IDX_MAP,
  type Checkpoint,
  type CheckpointConfig,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type PendingWrite,
} from "../types";
import type { Database } from "./database";
import type { OutgoingChange } from "./listener";
import type { CheckpointRows } from "./rows";
import type { RunLocks } from "./runLock";
import { encodeValues, numberItems, ThreadCache, type ThreadCaches } from "./values";

/** What the write path shares with the saver that owns it. */
export interface WriteContext {
  /** The quoted schema name, to prefix tables with. */
  t: string;
  schema: string;
  workspace: string | undefined;
  db: Database;
  locks: RunLocks;
  rows: CheckpointRows;
  caches: ThreadCaches;
  notify: (client: pg.PoolClient, change: OutgoingChange) => Promise<unknown>;
  nextVersion: (current: number | undefined) => number;
}

/**
 * Everything that changes a thread's checkpoints: put, pending writes and deletion. Each runs in one
 * transaction that checks the run lock and sends its change notification before COMMIT; writes to one
 * thread from this saver run one at a time and in call order (a step's put may still run when the runtime
 * hands over the next one: the child must find its parent committed).
 */
export class CheckpointWrites {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly store: WriteContext) {}

  private serial<T>(threadId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(threadId) ?? Promise.resolve()).then(fn);
    const settled = run.catch(() => undefined);
    this.queues.set(threadId, settled);
    void settled.then(() => {
      if (this.queues.get(threadId) === settled) this.queues.delete(threadId);
    });
    return run;
  }

  async put(
    threadId: string,
    ns: string,
    parentId: string | undefined,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
  ): Promise<CheckpointConfig> {
    const { t, db, locks, rows, caches } = this.store;
    const outcome = await this.serial(threadId, async () => {
      // This store rewrites what it is given (it keeps no format version), so an old-format checkpoint is
      // migrated as it is stored; in the queue, so the parent's writes put before it are committed.
      if (checkpoint.v < 4 && parentId !== undefined) {
        checkpoint = migratePendingSends(checkpoint, await this.sendsOf(threadId, ns, parentId), (v) =>
          this.store.nextVersion(v),
        );
      }
      return db.tx(async (client) => {
        await locks.guard(client, this.store.schema, threadId);
        // Locks the thread's row: puts to one thread are serialized, so item numbers never collide.
        const existing = await client.query<{ gen: string }>(
          `SELECT gen FROM ${t}.threads WHERE thread_id = $1 FOR UPDATE`,
          [threadId],
        );
        const gen = existing.rows[0]?.gen;
        const cache = gen === undefined ? new ThreadCache("") : caches.peek(threadId, gen);
        const parent =
          parentId === undefined || gen === undefined
            ? undefined
            : await rows.slotsFor(client, threadId, ns, parentId, cache);
        const encoded = encodeValues(cache, ns, parentId, parent, checkpoint);
        const n = encoded.newItems.length;
        const thread = await client.query<{ gen: string; first: number; rev: string }>(
          `INSERT INTO ${t}.threads AS th (thread_id, gen, created_at, updated_at, rev, touched, next_item, workspace)
         VALUES ($1, nextval('${t}.gen_seq'), clock_timestamp(), clock_timestamp(), nextval('${t}.rev_seq'), nextval('${t}.rev_seq'), $2, $3)
         ON CONFLICT (thread_id) DO UPDATE SET updated_at = greatest(th.updated_at, clock_timestamp()),
           rev = nextval('${t}.rev_seq'), touched = nextval('${t}.rev_seq'), next_item = th.next_item + $2
         RETURNING gen, next_item - $2 AS first, rev`,
          [threadId, n, this.store.workspace ?? ""],
        );
        const { first, rev } = thread.rows[0]!;
        numberItems(encoded, first);
        if (n > 0) {
          await client.query(
            `INSERT INTO ${t}.items (thread_id, no, value) SELECT $1, $2::int + ord - 1, v::json FROM unnest($3::text[]) WITH ORDINALITY AS x(v, ord)`,
            [threadId, first, encoded.newItems.map(toJson)],
          );
        }
        const valsText = JSON.stringify(encoded.vals);
        await client.query(
          `INSERT INTO ${t}.checkpoints (thread_id, ns, id, parent_id, ts, metadata, versions, seen, vals) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (thread_id, ns, id) DO UPDATE SET parent_id = excluded.parent_id, ts = excluded.ts, metadata = excluded.metadata,
           versions = excluded.versions, seen = excluded.seen, vals = excluded.vals`,
          [
            threadId,
            ns,
            checkpoint.id,
            parentId ?? null,
            checkpoint.ts,
            toJson(metadata),
            toJson(checkpoint.channel_versions),
            toJson(checkpoint.versions_seen),
            valsText,
          ],
        );
        await this.store.notify(client, { kind: "checkpoint", threadId, checkpointId: checkpoint.id, ns, rev });
        return { gen: thread.rows[0]!.gen, encoded, valsText, newItems: encoded.newItems.map(toJson), first };
      });
    });
    // After commit: what this process now knows (items by value copy, the arrays it was handed by pointer).
    const cache = caches.get(threadId, outcome.gen);
    outcome.newItems.forEach((text, k) => cache.items.set(outcome.first + k, JSON.parse(text) as unknown));
    cache.rememberSlots(ns, checkpoint.id, deepCopy(checkpoint.channel_versions), JSON.parse(outcome.valsText));
    for (const array of outcome.encoded.arrays)
      cache.rememberArray(ns, checkpoint.id, array.channel, array.arr, array.nums);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  /** The `Send`s pending on a checkpoint (writes to the tasks channel), in write order. */
  private async sendsOf(threadId: string, ns: string, checkpointId: string): Promise<CheckpointPendingWrite[]> {
    const result = await this.store.db.query<{ task_id: string; value: unknown }>(
      `SELECT task_id, value FROM ${this.store.t}.writes WHERE thread_id = $1 AND ns = $2 AND checkpoint_id = $3 AND channel = $4 ORDER BY seq`,
      [threadId, ns, checkpointId, TASKS_CHANNEL],
    );
    return result.rows.map((row) => [row.task_id, TASKS_CHANNEL, row.value]);
  }

  async putWrites(
    threadId: string,
    ns: string,
    checkpointId: string,
    taskId: string,
    writes: PendingWrite[],
  ): Promise<void> {
    if (writes.length === 0) return;
    const rows = writes.map(([channel, value], index) => ({
      channel,
      idx: Object.prototype.hasOwnProperty.call(WRITES_IDX_MAP, channel) ? WRITES_IDX_MAP[channel]! : index,
      value: toJson(value),
    }));
    const t = this.store.t;
    await this.serial(threadId, () =>
      this.store.db.tx(async (client) => {
        await this.store.locks.guard(client, this.store.schema, threadId);
        // Special channels (error, interrupt, resume…) replace; a finished task's ordinary writes are never clobbered.
        for (const replace of [true, false]) {
          const part = rows.filter((row) => row.idx < 0 === replace);
          if (part.length === 0) continue;
          await client.query(
            `INSERT INTO ${t}.writes (thread_id, ns, checkpoint_id, task_id, idx, channel, value)
           SELECT $1, $2, $3, $4, idx, channel, value::json FROM unnest($5::int[], $6::text[], $7::text[]) AS x(idx, channel, value)
           ON CONFLICT (thread_id, ns, checkpoint_id, task_id, idx) DO ${replace ? "UPDATE SET channel = excluded.channel, value = excluded.value" : "NOTHING"}`,
            [
              threadId,
              ns,
              checkpointId,
              taskId,
              part.map((r) => r.idx),
              part.map((r) => r.channel),
              part.map((r) => r.value),
            ],
          );
        }
        const rev = await client.query<{ rev: string }>(`SELECT nextval('${t}.rev_seq') AS rev`);
        await client.query(`UPDATE ${t}.threads SET rev = $2 WHERE thread_id = $1`, [threadId, rev.rows[0]!.rev]);
        await this.store.notify(client, { kind: "writes", threadId, checkpointId, ns, rev: rev.rows[0]!.rev });
      }),
    );
  }

  async deleteThread(threadId: string): Promise<void> {
    const t = this.store.t;
    await this.serial(threadId, () =>
      this.store.db.tx(async (client) => {
        await this.store.locks.guard(client, this.store.schema, threadId);
        let removed = 0;
        for (const table of ["items", "checkpoints", "writes", "threads"]) {
          removed += (await client.query(`DELETE FROM ${t}.${table} WHERE thread_id = $1`, [threadId])).rowCount ?? 0;
        }
        if (removed === 0) return;
        const rev = await client.query<{ rev: string }>(`SELECT nextval('${t}.rev_seq') AS rev`);
        await this.store.notify(client, { kind: "deleted", threadId, rev: rev.rows[0]!.rev });
      }),
    );
    this.store.caches.delete(threadId);
  }
}

/** JSON text for a json column; `undefined` (which JSON cannot hold) is stored as null, as the file store does. */
function toJson(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}
