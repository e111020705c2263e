import type pg from "pg";
import { CheckpointError } from "../errors";
import { createPool, isConnectionError, userFacingError, type PoolOptions } from "./connection";

/**
 * The saver's connection pool. Reads and transactions first run `setup` once (a database newer than this
 * client is refused before anything else happens), and each survives one connection the server dropped while
 * idle; every other failure reaches the caller as a user-facing error that never shows the password.
 */
export class Database {
  private readonly pool: pg.Pool;
  private readyPromise: Promise<void> | undefined;
  private isClosed = false;

  constructor(
    private readonly url: string,
    options: PoolOptions | undefined,
    private readonly setup: () => Promise<void>,
  ) {
    this.pool = createPool(url, options);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Refuses new connections from now on; `end` then closes the pool. */
  close(): void {
    this.isClosed = true;
  }

  async end(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  /** The server's version string (without running setup). */
  async version(): Promise<string> {
    const result = await this.pool.query<{ version: string }>("SELECT version()").catch((error) => {
      throw userFacingError(error, this.url);
    });
    return result.rows[0]!.version;
  }

  async connect(): Promise<pg.PoolClient> {
    if (this.isClosed) throw new CheckpointError("This PostgresSaver is closed.", "SAVER_CLOSED");
    try {
      return await this.pool.connect();
    } catch (error) {
      throw userFacingError(error, this.url);
    }
  }

  /** Runs setup once; a failed setup is tried again by the next call. */
  ready(): Promise<void> {
    this.readyPromise ??= this.setup().catch((error) => {
      this.readyPromise = undefined;
      throw error;
    });
    return this.readyPromise;
  }

  /** A read; a connection the server dropped while idle is replaced once. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    await this.ready();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.query<R>(sql, params);
      } catch (error) {
        if (attempt === 0 && isConnectionError(error) && !this.isClosed) continue;
        throw userFacingError(error, this.url);
      }
    }
  }

  /**
   * One transaction. When the connection fails before COMMIT was sent, nothing was committed and it runs
   * once more on a fresh connection (proxies drop idle connections: the next write must not fail for it).
   * `fn` must leave caches alone: it may run twice.
   */
  async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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
        if (attempt === 0 && broken && !committing && !this.isClosed) continue;
        throw userFacingError(error, this.url);
      }
    }
  }
}
