import pg from "pg";
import { redact } from "./redact";

/** One committed change, as every saver on the schema notifies it (ids only, never content). */
export interface StoreChange {
  kind: "checkpoint" | "writes" | "info" | "deleted" | "resync";
  threadId: string;
  checkpointId?: string;
  ns?: string;
  /** The schema's change counter after this change. */
  rev: number;
  /** The saver that made it (`PostgresSaver.origin`); absent for changes found by a re-sync. */
  origin?: string;
}

/** A change as a saver sends it: `rev` as the server returned it (bigint as text); `origin` is added. */
export type OutgoingChange = Omit<StoreChange, "origin" | "rev"> & { rev: string | number };

/**
 * Sends a change on `client`, inside the transaction that makes it, so listeners hear only what was committed.
 * `origin` is the sending saver's id.
 */
export function notifyChange(
  client: pg.PoolClient,
  schema: string,
  origin: string,
  change: OutgoingChange,
): Promise<unknown> {
  const payload = JSON.stringify({ ...change, rev: Number(change.rev), origin });
  return client.query(`SELECT pg_notify($1, $2)`, [PostgresListener.channel(schema), payload]);
}

export type ListenerState = "connecting" | "connected" | "disconnected" | "closed";

export interface ListenerOptions {
  /** A `SELECT 1` this often proves the connection alive (a silently dead socket is found). Default 30 s. */
  pingMs?: number;
  /** First reconnect delay, doubled up to `maxReconnectMs`. Default 250 ms. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  onState?: (state: ListenerState, error?: string) => void;
}

/**
 * Live updates for one schema on ONE dedicated connection (a pooled one would be closed while idle and the
 * LISTEN would die silently), with TCP keepalive and a periodic `SELECT 1`. NOTIFY has no replay: after a
 * reconnect the listener LISTENs again and re-syncs, reporting every thread whose change counter moved past
 * the last one it saw (kind "resync"), so a change committed while it was away is never missed.
 */
export class PostgresListener {
  private client: pg.Client | undefined;
  private state: ListenerState = "connecting";
  private lastRev = -1;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delay: number;
  private closed = false;
  /** Resolved once connected the first time (or closed). */
  readonly started: Promise<void>;
  private markStarted!: () => void;

  /** The NOTIFY channel of a schema. */
  static channel(schema: string): string {
    return `skein_${schema}`;
  }

  constructor(
    private readonly url: string,
    private readonly schema: string,
    private readonly onChange: (change: StoreChange) => void,
    private readonly options: ListenerOptions = {},
  ) {
    this.delay = options.reconnectMs ?? 250;
    this.started = new Promise((resolve) => (this.markStarted = resolve));
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  /** The backend process id of the listening connection (tests terminate it). */
  backendPid: number | undefined;

  async start(): Promise<void> {
    if (this.closed) return;
    this.setState("connecting");
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, application_name: "skein-listener" });
    this.client = client;
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => {
      if (message.channel !== PostgresListener.channel(this.schema) || !message.payload) return;
      try {
        const change = JSON.parse(message.payload) as StoreChange;
        if (change.rev > this.lastRev) this.lastRev = change.rev;
        this.onChange(change);
      } catch {
        // Not ours (someone else notifying on the channel): ignored.
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${PostgresListener.channel(this.schema)}"`);
      this.backendPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      if (this.client !== client || this.closed) return;
      // Listening from here on; then what happened while away is reported.
      this.setState("connected");
      await this.resync(client);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.client !== client || this.closed) return;
    this.delay = this.options.reconnectMs ?? 250;
    this.markStarted();
    this.pingTimer = setInterval(() => {
      client.query("SELECT 1").catch((error: Error) => this.lost(client, error));
    }, this.options.pingMs ?? 30_000);
    this.pingTimer.unref();
  }

  /**
   * The first connect only records where the schema is; later ones report every thread changed since
   * the last change this listener saw.
   */
  private async resync(client: pg.Client): Promise<void> {
    const table = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`"${this.schema}".threads`]);
    if (table.rows[0]?.t === null) {
      if (this.lastRev < 0) this.lastRev = 0;
      return;
    }
    const latest = await client.query<{ rev: string }>(`SELECT last_value AS rev FROM "${this.schema}".rev_seq`);
    const latestRev = Number(latest.rows[0]!.rev);
    if (this.lastRev >= 0) {
      const changed = await client.query<{ thread_id: string; rev: string }>(
        `SELECT thread_id, rev FROM "${this.schema}".threads WHERE rev > $1 ORDER BY rev`,
        [this.lastRev],
      );
      const rows = changed.rows;
      // Deletions leave no row: a resync with no thread tells the consumer to reload its list.
      if (rows.length === 0 && latestRev > this.lastRev)
        this.onChange({ kind: "resync", threadId: "", rev: latestRev });
      for (const row of rows) this.onChange({ kind: "resync", threadId: row.thread_id, rev: Number(row.rev) });
    }
    this.lastRev = Math.max(this.lastRev, latestRev);
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.pingTimer);
    client.removeAllListeners("notification");
    client.on("error", () => undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.setState("disconnected", error ? redact(error.message, this.url) : undefined);
    this.retryTimer = setTimeout(() => void this.start(), this.delay);
    this.retryTimer.unref();
    this.delay = Math.min(this.delay * 2, this.options.maxReconnectMs ?? 5_000);
  }

  /** Reconnects now instead of after the current delay (a Retry button). */
  reconnect(): void {
    if (this.closed || this.client) return;
    clearTimeout(this.retryTimer);
    void this.start();
  }

  private setState(state: ListenerState, error?: string): void {
    this.state = state;
    this.options.onState?.(state, error);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.setState("closed");
    this.markStarted();
    if (client) {
      client.removeAllListeners("notification");
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
