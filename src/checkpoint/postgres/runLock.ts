import { randomUUID } from "node:crypto";
import type pg from "pg";
import { ThreadBusyError } from "../errors";
import type { ThreadLock } from "../types";

/**
 * Run locks shared by every machine on the database: a row per locked thread with a holder name, a token and
 * a lease. The holder renews the lease while its run lasts; a holder that crashed (or lost its network)
 * stops renewing and the lock expires after `ttlMs`, so the thread is never stuck.
 *
 * Writes check the lock in their own transaction: a holder's writes must still own the row (locked FOR
 * UPDATE, so a takeover waits for them); anyone else's writes take the thread's advisory lock (the same one
 * acquisition takes) and are refused while another holder's lease is live. So a second writer is rejected
 * with ThreadBusyError naming the holder, never silently forks the thread.
 */
export class RunLocks {
  /** threadId → our token and renewal timer. */
  private readonly held = new Map<string, { token: string; timer: NodeJS.Timeout; lost: boolean }>();

  constructor(
    private readonly table: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly tx: <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
    private readonly query: (sql: string, params: unknown[]) => Promise<pg.QueryResult>,
  ) {}

  /** The advisory-lock key that orders lock acquisition against writes by non-holders. */
  static key(schema: string, threadId: string): string {
    return `skein-thread:${schema}:${threadId}`;
  }

  async acquire(schema: string, threadId: string): Promise<ThreadLock> {
    if (this.held.has(threadId)) throw new ThreadBusyError(threadId, this.holder);
    const token = randomUUID();
    const got = await this.tx(async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [RunLocks.key(schema, threadId)]);
      const inserted = await client.query(
        `INSERT INTO ${this.table} (thread_id, token, holder, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
         ON CONFLICT (thread_id) DO UPDATE SET token = excluded.token, holder = excluded.holder, acquired_at = now(), expires_at = excluded.expires_at
         WHERE ${this.table}.expires_at <= now()
         RETURNING token`,
        [threadId, token, this.holder, this.ttlMs],
      );
      if (inserted.rowCount === 1) return undefined;
      const current = await client.query<{ holder: string }>(`SELECT holder FROM ${this.table} WHERE thread_id = $1`, [
        threadId,
      ]);
      return current.rows[0]?.holder ?? "another window";
    });
    if (got !== undefined) throw new ThreadBusyError(threadId, got);
    const timer = setInterval(() => void this.renew(threadId, token), Math.max(50, Math.floor(this.ttlMs / 3)));
    timer.unref();
    this.held.set(threadId, { token, timer, lost: false });
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.release(threadId, token);
      },
    };
  }

  /** Our token for the thread, when this saver holds its run lock. */
  tokenOf(threadId: string): string | undefined {
    return this.held.get(threadId)?.token;
  }

  /**
   * Inside a write's transaction: refuses the write when another holder has the thread. A holder's own
   * write locks its row so a takeover after an expired lease waits for this transaction.
   */
  async guard(client: pg.PoolClient, schema: string, threadId: string): Promise<void> {
    const mine = this.held.get(threadId);
    if (mine) {
      const row = await client.query<{ token: string; holder: string }>(
        `SELECT token, holder FROM ${this.table} WHERE thread_id = $1 FOR UPDATE`,
        [threadId],
      );
      if (row.rows[0]?.token === mine.token) return;
      mine.lost = true;
      throw new ThreadBusyError(threadId, row.rows[0]?.holder ?? "another window (this run's lock lapsed)");
    }
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [RunLocks.key(schema, threadId)]);
    const row = await client.query<{ holder: string }>(
      `SELECT holder FROM ${this.table} WHERE thread_id = $1 AND expires_at > now()`,
      [threadId],
    );
    if (row.rows[0]) throw new ThreadBusyError(threadId, row.rows[0].holder);
  }

  private async renew(threadId: string, token: string): Promise<void> {
    const mine = this.held.get(threadId);
    if (!mine || mine.token !== token) return;
    try {
      const result = await this.query(
        `UPDATE ${this.table} SET expires_at = now() + $3 * interval '1 millisecond' WHERE thread_id = $1 AND token = $2`,
        [threadId, token, this.ttlMs],
      );
      if (result.rowCount === 0) mine.lost = true;
    } catch {
      // Unreachable for now: the next renewal tries again; if the lease lapses meanwhile, writes find out.
    }
  }

  private async release(threadId: string, token: string): Promise<void> {
    const mine = this.held.get(threadId);
    if (mine?.token === token) {
      clearInterval(mine.timer);
      this.held.delete(threadId);
    }
    await this.query(`DELETE FROM ${this.table} WHERE thread_id = $1 AND token = $2`, [threadId, token]).catch(
      () => undefined,
    );
  }

  /** Releases every lock this saver holds (close). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.held].map(([threadId, { token }]) => this.release(threadId, token)));
  }
}
