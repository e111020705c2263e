import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import { BaseCheckpointSaver } from "../base";
import { requireThreadId, requireWriteTarget } from "../config";
import { checkWellFormedThreadId } from "../threadIds";
import { CheckpointError, InvalidThreadIdError } from "../errors";
import { checkThreadInfoUpdate } from "../limits";
import { deepCopy } from "../json";
import { migratePendingSends, TASKS_CHANNEL } from "../migrate";
import { setOwn } from "../json";
import {
  WRITES_IDX_MAP,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointConfig,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type ThreadInfo,
  type ThreadInfoUpdate,
  type ThreadLock,
} from "../types";
import { checkConnectionString, createPool, isConnectionError, userFacingError, type PoolOptions } from "./connection";
import { describeServer } from "./redact";
import { PostgresListener, type ListenerOptions, type StoreChange } from "./listener";
import { CheckpointRows, type CheckpointRow } from "./rows";
import { RunLocks } from "./runLock";
import { checkSchemaName, migrate, MIGRATIONS, quoted, SCHEMA_VERSION } from "./schema";
import { encodeValues, numberItems, ThreadCache } from "./values";

export interface PostgresSaverOptions {
  /** PostgreSQL schema holding Skein's tables (created by `setup`). Default "skein". */
  schema?: string;
  /** Who holds a run lock, as other windows see it in ThreadBusyError. Default "<hostname>, pid <pid>". */
  holder?: string;
  /**
   * The shared workspace key this saver lists threads of (e.g. from the repository's remote URL, so a
   * project's threads meet across machines whatever its folder path). Threads it creates get it. Unset:
   * every thread, and new ones get "".
   */
  workspace?: string;
  /** How long a run lock outlives its holder's last renewal (a crashed holder's lock expires). Default 20 s. */
  lockTtlMs?: number;
  pool?: PoolOptions;
  /** @internal tests: another migration table and version. */
  migrations?: Readonly<Record<number, readonly string[]>>;
  /** @internal */
  schemaVersion?: number;
}

/** Longest thread id: a notification payload (ids only) must stay far below PostgreSQL's 8,000 bytes. */
export const MAX_PG_THREAD_ID_LENGTH = 1_000;

/**
 * A saver on a PostgreSQL server shared by windows, machines and a team: the same contract as FileSaver
 * (checkpoints, pending writes, list, deleteThread, the thread catalog and the run lock) over the `pg`
 * client. Messages are stored once per thread and checkpoints refer to them by item ranges, so storage
 * grows with what each turn adds. Every committed change sends `pg_notify` (ids only) in its transaction;
 * `watch` delivers them, re-syncing after a lost connection.
 */
export class PostgresSaver extends BaseCheckpointSaver {
  readonly schema: string;
  /** "user@host:port/db", never the password. */
  readonly server: string;
  /** Sent with every notification, so a listener can tell its own saver's changes. */
  readonly origin = randomUUID();
  readonly workspace: string | undefined;
  private readonly pool: pg.Pool;
  private readonly t: string;
  private readonly migrations: Readonly<Record<number, readonly string[]>>;
  private readonly version: number;
  private readonly locks: RunLocks;
  private readonly rows: CheckpointRows;
  private readonly caches = new Map<string, ThreadCache>();
  private readyPromise: Promise<void> | undefined;
  private closed = false;

  static fromConnString(url: string, options: PostgresSaverOptions = {}): PostgresSaver {
    return new PostgresSaver(url, options);
  }

  constructor(
    private readonly url: string,
    private readonly options: PostgresSaverOptions = {},
  ) {
    super();
    checkConnectionString(url);
    this.schema = checkSchemaName(options.schema ?? "skein");
    this.server = describeServer(url);
    this.workspace = options.workspace;
    this.t = quoted(this.schema);
    this.migrations = options.migrations ?? MIGRATIONS;
    this.version = options.schemaVersion ?? SCHEMA_VERSION;
    this.pool = createPool(url, options.pool);
    const holder = options.holder ?? `${hostname()}, pid ${process.pid}`;
    this.locks = new RunLocks(
      `${this.t}.locks`,
      holder,
      options.lockTtlMs ?? 20_000,
      (fn) => this.tx(fn),
      (sql, params) => this.query(sql, params),
    );
    this.rows = new CheckpointRows(
      this.t,
      (sql, params) => this.query(sql, params),
      (threadId, gen) => this.cache(threadId, gen),
    );
  }

  /** Creates or migrates Skein's tables (idempotent; safe from several windows at once). */
  async setup(): Promise<void> {
    const client = await this.connect();
    try {
      await migrate(client, this.schema, this.migrations, this.version);
      client.release();
    } catch (error) {
      client.release(isConnectionError(error) ? (error as Error) : undefined);
      throw userFacingError(error, this.url);
    }
  }

  /** The server's version string, e.g. "PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64…". */
  async serverVersion(): Promise<string> {
    const result = await this.pool.query<{ version: string }>("SELECT version()").catch((error) => {
      throw userFacingError(error, this.url);
    });
    return result.rows[0]!.version;
  }

  /** LangGraph's name for `close`. */
  async end(): Promise<void> {
    await this.close();
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.locks.releaseAll();
    await this.pool.end().catch(() => undefined);
  }

  /** Delivers every committed change to this schema (from any machine); see PostgresListener. */
  watch(onChange: (change: StoreChange) => void, options: ListenerOptions = {}): PostgresListener {
    const listener = new PostgresListener(this.url, this.schema, onChange, options);
    void listener.start();
    return listener;
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closed) throw new CheckpointError("This PostgresSaver is closed.", "SAVER_CLOSED");
    try {
      return await this.pool.connect();
    } catch (error) {
      throw userFacingError(error, this.url);
    }
  }

  /** Runs setup once (a database newer than this client is refused before anything else happens). */
  private ready(): Promise<void> {
    this.readyPromise ??= this.setup().catch((error) => {
      this.readyPromise = undefined;
      throw error;
    });
    return this.readyPromise;
  }

  /** A read; a connection the server dropped while idle is replaced once. */
  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    await this.ready();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.query<R>(sql, params);
      } catch (error) {
        if (attempt === 0 && isConnectionError(error) && !this.closed) continue;
        throw userFacingError(error, this.url);
      }
    }
  }

  /**
   * One transaction. When the connection fails before COMMIT was sent, nothing was committed and it runs
   * once more on a fresh connection (proxies drop idle connections: the next write must not fail for it).
   * `fn` must leave caches alone: it may run twice.
   */
  private async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      let committing = false;
      try {
        await client.query("BEGIN");
        const result = await fn(client);
        committing = true;
        await client.query("COMMIT");
        client.release();
        return result;
      } catch (error) {
        const broken = isConnectionError(error);
        if (!broken) await client.query("ROLLBACK").catch(() => undefined);
        client.release(broken ? (error as Error) : undefined);
        if (attempt === 0 && broken && !committing && !this.closed) continue;
        throw userFacingError(error, this.url);
      }
    }
  }

  /** Writes to one thread from this saver, one at a time and in call order (a step's put may still run when
   * the runtime hands over the next one: the child must find its parent committed). */
  private readonly queues = new Map<string, Promise<unknown>>();

  private serial<T>(threadId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(threadId) ?? Promise.resolve()).then(fn);
    const settled = run.catch(() => undefined);
    this.queues.set(threadId, settled);
    void settled.then(() => {
      if (this.queues.get(threadId) === settled) this.queues.delete(threadId);
    });
    return run;
  }

  private checkThreadId(threadId: string): string {
    if (threadId.length > MAX_PG_THREAD_ID_LENGTH)
      throw new InvalidThreadIdError(threadId.slice(0, 40) + "…", `longer than ${MAX_PG_THREAD_ID_LENGTH} characters`);
    if (threadId.includes("\u0000")) throw new InvalidThreadIdError(threadId, "contains a NUL character");
    return checkWellFormedThreadId(threadId);
  }

  /** This process's cache of a thread, dropped when the thread was deleted and made again (`gen`). */
  private cache(threadId: string, gen: string): ThreadCache {
    let cache = this.caches.get(threadId);
    if (cache && cache.gen !== gen) cache = undefined;
    if (cache) this.caches.delete(threadId);
    cache ??= new ThreadCache(gen);
    this.caches.set(threadId, cache);
    if (this.caches.size > 32) this.caches.delete(this.caches.keys().next().value!);
    return cache;
  }

  private notify(
    client: pg.PoolClient,
    change: Omit<StoreChange, "origin" | "rev"> & { rev: string | number },
  ): Promise<unknown> {
    const payload = JSON.stringify({ ...change, rev: Number(change.rev), origin: this.origin });
    return client.query(`SELECT pg_notify($1, $2)`, [PostgresListener.channel(this.schema), payload]);
  }

  async getTuple(config: CheckpointConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined) return undefined;
    const ns = config.configurable?.checkpoint_ns ?? "";
    const id = config.configurable?.checkpoint_id;
    const rows = await this.rows.select({ threadId: this.checkThreadId(threadId), ns, id, limit: 1 });
    return rows[0] ? this.rows.toTuple(rows[0], true) : undefined;
  }

  async *list(config: CheckpointConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const threadId = config.configurable?.thread_id;
    let remaining = options.limit ?? Infinity;
    let after: CheckpointRow | undefined;
    while (remaining > 0) {
      // Pages of rows, so a long history streams instead of loading at once.
      const page = await this.rows.select({
        threadId: threadId === undefined ? undefined : this.checkThreadId(threadId),
        ns: config.configurable?.checkpoint_ns,
        id: config.configurable?.checkpoint_id,
        before: options.before?.configurable?.checkpoint_id,
        filter: options.filter,
        after,
        limit: Math.min(remaining, 100),
      });
      for (const row of page) {
        yield await this.rows.toTuple(row, false);
        remaining--;
      }
      if (page.length < 100) return;
      after = page[page.length - 1];
    }
  }

  async put(
    config: CheckpointConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    _newVersions: ChannelVersions,
  ): Promise<CheckpointConfig> {
    const threadId = this.checkThreadId(requireThreadId(config, "put"));
    const ns = config.configurable?.checkpoint_ns ?? "";
    const parentId = config.configurable?.checkpoint_id;
    const t = this.t;
    const outcome = await this.serial(threadId, async () => {
      // This store rewrites what it is given (it keeps no format version), so an old-format checkpoint is
      // migrated as it is stored; in the queue, so the parent's writes put before it are committed.
      if (checkpoint.v < 4 && parentId !== undefined) {
        checkpoint = migratePendingSends(checkpoint, await this.sendsOf(threadId, ns, parentId), (v) =>
          this.getNextVersion(v),
        );
      }
      return this.tx(async (client) => {
        await this.locks.guard(client, this.schema, threadId);
        // Locks the thread's row: puts to one thread are serialized, so item numbers never collide.
        const existing = await client.query<{ gen: string }>(
          `SELECT gen FROM ${t}.threads WHERE thread_id = $1 FOR UPDATE`,
          [threadId],
        );
        const gen = existing.rows[0]?.gen;
        const cache = gen === undefined ? new ThreadCache("") : this.peekCache(threadId, gen);
        const parent =
          parentId === undefined || gen === undefined
            ? undefined
            : await this.rows.slotsFor(client, threadId, ns, parentId, cache);
        const encoded = encodeValues(cache, ns, parentId, parent, checkpoint);
        const n = encoded.newItems.length;
        const thread = await client.query<{ gen: string; first: number; rev: string }>(
          `INSERT INTO ${t}.threads AS th (thread_id, gen, created_at, updated_at, rev, touched, next_item, workspace)
         VALUES ($1, nextval('${t}.gen_seq'), clock_timestamp(), clock_timestamp(), nextval('${t}.rev_seq'), nextval('${t}.rev_seq'), $2, $3)
         ON CONFLICT (thread_id) DO UPDATE SET updated_at = greatest(th.updated_at, clock_timestamp()),
           rev = nextval('${t}.rev_seq'), touched = nextval('${t}.rev_seq'), next_item = th.next_item + $2
         RETURNING gen, next_item - $2 AS first, rev`,
          [threadId, n, this.workspace ?? ""],
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
        await this.notify(client, { kind: "checkpoint", threadId, checkpointId: checkpoint.id, ns, rev });
        return { gen: thread.rows[0]!.gen, encoded, valsText, newItems: encoded.newItems.map(toJson), first };
      });
    });
    // After commit: what this process now knows (items by value copy, the arrays it was handed by pointer).
    const cache = this.cache(threadId, outcome.gen);
    outcome.newItems.forEach((text, k) => cache.items.set(outcome.first + k, JSON.parse(text) as unknown));
    cache.rememberSlots(ns, checkpoint.id, deepCopy(checkpoint.channel_versions), JSON.parse(outcome.valsText));
    for (const array of outcome.encoded.arrays)
      cache.rememberArray(ns, checkpoint.id, array.channel, array.arr, array.nums);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  /** The `Send`s pending on a checkpoint (writes to the tasks channel), in write order. */
  private async sendsOf(threadId: string, ns: string, checkpointId: string): Promise<CheckpointPendingWrite[]> {
    const result = await this.query<{ task_id: string; value: unknown }>(
      `SELECT task_id, value FROM ${this.t}.writes WHERE thread_id = $1 AND ns = $2 AND checkpoint_id = $3 AND channel = $4 ORDER BY seq`,
      [threadId, ns, checkpointId, TASKS_CHANNEL],
    );
    return result.rows.map((row) => [row.task_id, TASKS_CHANNEL, row.value]);
  }

  /** The cache to encode against, without touching the LRU (the transaction may run twice). */
  private peekCache(threadId: string, gen: string): ThreadCache {
    const cache = this.caches.get(threadId);
    return cache && cache.gen === gen ? cache : this.cache(threadId, gen);
  }

  async putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const { threadId, checkpointId, ns } = requireWriteTarget(config);
    this.checkThreadId(threadId);
    if (writes.length === 0) return;
    const rows = writes.map(([channel, value], index) => ({
      channel,
      idx: Object.prototype.hasOwnProperty.call(WRITES_IDX_MAP, channel) ? WRITES_IDX_MAP[channel]! : index,
      value: toJson(value),
    }));
    const t = this.t;
    await this.serial(threadId, () =>
      this.tx(async (client) => {
        await this.locks.guard(client, this.schema, threadId);
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
        await this.notify(client, { kind: "writes", threadId, checkpointId, ns, rev: rev.rows[0]!.rev });
      }),
    );
  }

  async deleteThread(threadId: string): Promise<void> {
    this.checkThreadId(threadId);
    const t = this.t;
    await this.serial(threadId, () =>
      this.tx(async (client) => {
        await this.locks.guard(client, this.schema, threadId);
        let removed = 0;
        for (const table of ["items", "checkpoints", "writes", "threads"]) {
          removed += (await client.query(`DELETE FROM ${t}.${table} WHERE thread_id = $1`, [threadId])).rowCount ?? 0;
        }
        if (removed === 0) return;
        const rev = await client.query<{ rev: string }>(`SELECT nextval('${t}.rev_seq') AS rev`);
        await this.notify(client, { kind: "deleted", threadId, rev: rev.rows[0]!.rev });
      }),
    );
    this.caches.delete(threadId);
  }

  async listThreads(options: { limit?: number } = {}): Promise<ThreadInfo[]> {
    const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
    const result = await this.query<ThreadRow>(
      // Two statements rather than "$2 IS NULL OR workspace = $2", so the one with a key walks (workspace, touched).
      this.workspace === undefined
        ? `${THREAD_COLUMNS} FROM ${this.t}.threads ORDER BY touched DESC LIMIT $1`
        : `${THREAD_COLUMNS} FROM ${this.t}.threads WHERE workspace = $2 ORDER BY touched DESC LIMIT $1`,
      this.workspace === undefined ? [limit] : [limit, this.workspace],
    );
    return result.rows.map(toThreadInfo);
  }

  /** Every workspace key with threads, most recently active first (the "All Workspaces" view). */
  async listWorkspaces(): Promise<{ workspace: string; threads: number; updatedAt: string }[]> {
    const result = await this.query<{ workspace: string; threads: number; updated_at: Date }>(
      `SELECT workspace, count(*)::int AS threads, max(updated_at) AS updated_at FROM ${this.t}.threads GROUP BY workspace ORDER BY max(touched) DESC`,
    );
    return result.rows.map((row) => ({
      workspace: row.workspace,
      threads: row.threads,
      updatedAt: row.updated_at.toISOString(),
    }));
  }

  /** This saver over the same pool-less settings but another workspace key (a new connection pool). */
  forWorkspace(workspace: string | undefined): PostgresSaver {
    return new PostgresSaver(this.url, { ...this.options, workspace });
  }

  /** Threads changed after `rev` (any change: checkpoint, writes, title), for re-sync after a lost LISTEN. */
  async changedSince(rev: number): Promise<{ threads: (ThreadInfo & { rev: number })[]; rev: number }> {
    const result = await this.query<ThreadRow & { rev: string }>(
      `${THREAD_COLUMNS}, rev FROM ${this.t}.threads WHERE rev > $1 ORDER BY rev`,
      [rev],
    );
    const latest = await this.query<{ rev: string }>(`SELECT last_value AS rev FROM ${this.t}.rev_seq`);
    return {
      threads: result.rows.map((row) => ({ ...toThreadInfo(row), rev: Number(row.rev) })),
      rev: Number(latest.rows[0]!.rev),
    };
  }

  async getThreadInfo(threadId: string): Promise<ThreadInfo | undefined> {
    const result = await this.query<ThreadRow>(`${THREAD_COLUMNS} FROM ${this.t}.threads WHERE thread_id = $1`, [
      this.checkThreadId(threadId),
    ]);
    return result.rows[0] ? toThreadInfo(result.rows[0]) : undefined;
  }

  /** Catalog-only (title, metadata): allowed while another window runs on the thread; it forks nothing. */
  async setThreadInfo(threadId: string, update: ThreadInfoUpdate): Promise<ThreadInfo> {
    this.checkThreadId(threadId);
    checkThreadInfoUpdate(update);
    const t = this.t;
    const row = await this.tx(async (client) => {
      const current = await client.query<ThreadRow>(
        `${THREAD_COLUMNS} FROM ${t}.threads WHERE thread_id = $1 FOR UPDATE`,
        [threadId],
      );
      const metadata: Record<string, unknown> = current.rows[0] ? current.rows[0].metadata : {};
      for (const [key, value] of Object.entries(update.metadata ?? {})) {
        if (value === undefined) delete metadata[key];
        else setOwn(metadata, key, value);
      }
      const title = update.title !== undefined ? update.title : (current.rows[0]?.title ?? null);
      const saved = await client.query<ThreadRow & { rev: string }>(
        `INSERT INTO ${t}.threads AS th (thread_id, gen, title, metadata, created_at, updated_at, rev, touched, workspace)
         VALUES ($1, nextval('${t}.gen_seq'), $2, $3, clock_timestamp(), clock_timestamp(), nextval('${t}.rev_seq'), nextval('${t}.rev_seq'), $4)
         ON CONFLICT (thread_id) DO UPDATE SET title = $2, metadata = $3, rev = nextval('${t}.rev_seq')
         RETURNING ${THREAD_FIELDS}, rev`,
        [threadId, title, JSON.stringify(metadata), this.workspace ?? ""],
      );
      await this.notify(client, { kind: "info", threadId, rev: saved.rows[0]!.rev });
      return saved.rows[0]!;
    });
    return toThreadInfo(row);
  }

  override async lockThread(threadId: string): Promise<ThreadLock> {
    await this.ready();
    return this.locks.acquire(this.schema, this.checkThreadId(threadId));
  }
}

interface ThreadRow {
  thread_id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  /** ISO 8601 text made by the server (a list of 10,000 threads then parses no dates). */
  created_at: string;
  updated_at: string;
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;
const THREAD_FIELDS = `thread_id, title, metadata, ${iso("created_at")}, ${iso("updated_at")}`;
const THREAD_COLUMNS = `SELECT ${THREAD_FIELDS}`;

function toThreadInfo(row: ThreadRow): ThreadInfo {
  return {
    threadId: row.thread_id,
    ...(row.title !== null ? { title: row.title } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    metadata: row.metadata ?? {},
  };
}

/** JSON text for a json column; `undefined` (which JSON cannot hold) is stored as null, as the file store does. */
function toJson(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}
