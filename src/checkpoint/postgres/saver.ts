import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import { BaseCheckpointSaver } from "../base";
import { requireThreadId, requireWriteTarget } from "../config";
import { checkWellFormedThreadId } from "../threadIds";
import { InvalidThreadIdError } from "../errors";
import { checkThreadInfoUpdate } from "../limits";
import type {
  ChannelVersions,
  Checkpoint,
  CheckpointConfig,
  CheckpointListOptions,
  CheckpointMetadata,
  CheckpointTuple,
  PendingWrite,
  ThreadInfo,
  ThreadInfoUpdate,
  ThreadLock,
} from "../types";
import { CheckpointWrites } from "./checkpointWrites";
import { checkConnectionString, isConnectionError, userFacingError, type PoolOptions } from "./connection";
import { Database } from "./database";
import { describeServer } from "./redact";
import { notifyChange, PostgresListener, type ListenerOptions, type StoreChange } from "./listener";
import { CheckpointRows, type CheckpointRow } from "./rows";
import { RunLocks } from "./runLock";
import { checkSchemaName, migrate, MIGRATIONS, quoted, SCHEMA_VERSION } from "./schema";
import { ThreadCatalog } from "./threadCatalog";
import { ThreadCaches } from "./values";

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
  private readonly db: Database;
  private readonly migrations: Readonly<Record<number, readonly string[]>>;
  private readonly version: number;
  private readonly locks: RunLocks;
  private readonly rows: CheckpointRows;
  private readonly writes: CheckpointWrites;
  private readonly catalog: ThreadCatalog;

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
    const t = quoted(this.schema);
    this.migrations = options.migrations ?? MIGRATIONS;
    this.version = options.schemaVersion ?? SCHEMA_VERSION;
    const db = (this.db = new Database(url, options.pool, () => this.setup()));
    const holder = options.holder ?? `${hostname()}, pid ${process.pid}`;
    this.locks = new RunLocks(
      `${t}.locks`,
      holder,
      options.lockTtlMs ?? 20_000,
      (fn) => db.tx(fn),
      (sql, params) => db.query(sql, params),
    );
    const caches = new ThreadCaches();
    this.rows = new CheckpointRows(
      t,
      (sql, params) => db.query(sql, params),
      (threadId, gen) => caches.get(threadId, gen),
    );
    const notify = (client: pg.PoolClient, change: Parameters<typeof notifyChange>[3]) =>
      notifyChange(client, this.schema, this.origin, change);
    this.writes = new CheckpointWrites({
      t,
      schema: this.schema,
      workspace: this.workspace,
      db,
      locks: this.locks,
      rows: this.rows,
      caches,
      notify,
      nextVersion: (v) => this.getNextVersion(v),
    });
    this.catalog = new ThreadCatalog(t, this.workspace, db, notify);
  }

  /** Creates or migrates Skein's tables (idempotent; safe from several windows at once). */
  async setup(): Promise<void> {
    const client = await this.db.connect();
    try {
      await migrate(client, this.schema, this.migrations, this.version);
      client.release();
    } catch (error) {
      client.release(isConnectionError(error) ? (error as Error) : undefined);
      throw userFacingError(error, this.url);
    }
  }

  /** The server's version string, e.g. "PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64…". */
  serverVersion(): Promise<string> {
    return this.db.version();
  }

  /** LangGraph's name for `close`. */
  async end(): Promise<void> {
    await this.close();
  }

  override async close(): Promise<void> {
    if (this.db.closed) return;
    this.db.close();
    await this.locks.releaseAll();
    await this.db.end();
  }

  /** Delivers every committed change to this schema (from any machine); see PostgresListener. */
  watch(onChange: (change: StoreChange) => void, options: ListenerOptions = {}): PostgresListener {
    const listener = new PostgresListener(this.url, this.schema, onChange, options);
    void listener.start();
    return listener;
  }

  private checkThreadId(threadId: string): string {
    if (threadId.length > MAX_PG_THREAD_ID_LENGTH)
      throw new InvalidThreadIdError(threadId.slice(0, 40) + "…", `longer than ${MAX_PG_THREAD_ID_LENGTH} characters`);
    if (threadId.includes("\u0000")) throw new InvalidThreadIdError(threadId, "contains a NUL character");
    return checkWellFormedThreadId(threadId);
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
    return this.writes.put(threadId, ns, config.configurable?.checkpoint_id, checkpoint, metadata);
  }

  async putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const { threadId, checkpointId, ns } = requireWriteTarget(config);
    this.checkThreadId(threadId);
    await this.writes.putWrites(threadId, ns, checkpointId, taskId, writes);
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.writes.deleteThread(this.checkThreadId(threadId));
  }

  listThreads(options: { limit?: number } = {}): Promise<ThreadInfo[]> {
    return this.catalog.listThreads(options);
  }

  /** Every workspace key with threads, most recently active first (the "All Workspaces" view). */
  listWorkspaces(): Promise<{ workspace: string; threads: number; updatedAt: string }[]> {
    return this.catalog.listWorkspaces();
  }

  /** This saver over the same pool-less settings but another workspace key (a new connection pool). */
  forWorkspace(workspace: string | undefined): PostgresSaver {
    return new PostgresSaver(this.url, { ...this.options, workspace });
  }

  /** Threads changed after `rev` (any change: checkpoint, writes, title), for re-sync after a lost LISTEN. */
  changedSince(rev: number): Promise<{ threads: (ThreadInfo & { rev: number })[]; rev: number }> {
    return this.catalog.changedSince(rev);
  }

  async getThreadInfo(threadId: string): Promise<ThreadInfo | undefined> {
    return this.catalog.getThreadInfo(this.checkThreadId(threadId));
  }

  /** Catalog-only (title, metadata): allowed while another window runs on the thread; it forks nothing. */
  async setThreadInfo(threadId: string, update: ThreadInfoUpdate): Promise<ThreadInfo> {
    this.checkThreadId(threadId);
    checkThreadInfoUpdate(update);
    return this.catalog.setThreadInfo(threadId, update);
  }

  override async lockThread(threadId: string): Promise<ThreadLock> {
    await this.db.ready();
    return this.locks.acquire(this.schema, this.checkThreadId(threadId));
  }
}
