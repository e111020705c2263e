import type pg from "pg";
import { setOwn } from "../json";
import type { ThreadInfo, ThreadInfoUpdate } from "../types";
import type { Database } from "./database";
import type { OutgoingChange } from "./listener";

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

/**
 * The thread catalog on the `threads` table: listing (of one workspace key, or all), titles and metadata, and
 * the change counter a listener re-syncs from. Thread ids reach it checked by the saver.
 */
export class ThreadCatalog {
  constructor(
    /** The quoted schema name, to prefix tables with. */
    private readonly t: string,
    private readonly workspace: string | undefined,
    private readonly db: Database,
    private readonly notify: (client: pg.PoolClient, change: OutgoingChange) => Promise<unknown>,
  ) {}

  async listThreads(options: { limit?: number } = {}): Promise<ThreadInfo[]> {
    const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
    const result = await this.db.query<ThreadRow>(
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
    const result = await this.db.query<{ workspace: string; threads: number; updated_at: Date }>(
      `SELECT workspace, count(*)::int AS threads, max(updated_at) AS updated_at FROM ${this.t}.threads GROUP BY workspace ORDER BY max(touched) DESC`,
    );
    return result.rows.map((row) => ({
      workspace: row.workspace,
      threads: row.threads,
      updatedAt: row.updated_at.toISOString(),
    }));
  }

  /** Threads changed after `rev` (any change: checkpoint, writes, title), for re-sync after a lost LISTEN. */
  async changedSince(rev: number): Promise<{ threads: (ThreadInfo & { rev: number })[]; rev: number }> {
    const result = await this.db.query<ThreadRow & { rev: string }>(
      `${THREAD_COLUMNS}, rev FROM ${this.t}.threads WHERE rev > $1 ORDER BY rev`,
      [rev],
    );
    const latest = await this.db.query<{ rev: string }>(`SELECT last_value AS rev FROM ${this.t}.rev_seq`);
    return {
      threads: result.rows.map((row) => ({ ...toThreadInfo(row), rev: Number(row.rev) })),
      rev: Number(latest.rows[0]!.rev),
    };
  }

  async getThreadInfo(threadId: string): Promise<ThreadInfo | undefined> {
    const result = await this.db.query<ThreadRow>(`${THREAD_COLUMNS} FROM ${this.t}.threads WHERE thread_id = $1`, [
      threadId,
    ]);
    return result.rows[0] ? toThreadInfo(result.rows[0]) : undefined;
  }

  /** Catalog-only (title, metadata): allowed while another window runs on the thread; it forks nothing. */
  async setThreadInfo(threadId: string, update: ThreadInfoUpdate): Promise<ThreadInfo> {
    const t = this.t;
    const row = await this.db.tx(async (client) => {
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
}

function toThreadInfo(row: ThreadRow): ThreadInfo {
  return {
    threadId: row.thread_id,
    ...(row.title !== null ? { title: row.title } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    metadata: row.metadata ?? {},
  };
}
