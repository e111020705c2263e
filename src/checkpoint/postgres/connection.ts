import pg from "pg";
import { CheckpointError } from "../errors";
import { describeServer, redact } from "./redact";

/** The server could not be reached, refused the login, or refused a statement. Messages never hold a password. */
export class PostgresStoreError extends CheckpointError {
  override name = "PostgresStoreError";
  constructor(message: string, code: "PG_UNREACHABLE" | "PG_AUTH" | "PG_BAD_URL" | "PG_QUERY") {
    super(message, code);
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** True when the error means the connection (not the statement) failed, so a fresh connection may succeed. */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (
    typeof e?.code === "string" &&
    (CONNECTION_CODES.has(e.code) ||
      e.code.startsWith("08") ||
      e.code === "57P01" ||
      e.code === "57P02" ||
      e.code === "57P03")
  )
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    e?.message ?? "",
  );
}

/** The error to show a user: connection and login failures get an actionable message; the password never appears. */
export function userFacingError(error: unknown, url: string): Error {
  if (error instanceof CheckpointError) return error;
  const e = error as { code?: string; message?: string };
  const where = describeServer(url);
  const detail = redact(e?.message ?? String(error), url);
  if (e?.code === "28P01" || e?.code === "28000") {
    return new PostgresStoreError(
      `PostgreSQL at ${where} refused the login: ${detail}. Check the user and password of the connection string.`,
      "PG_AUTH",
    );
  }
  if (isConnectionError(error)) {
    return new PostgresStoreError(
      `Cannot reach PostgreSQL at ${where}: ${detail}. Check that the server runs and the host and port are right.`,
      "PG_UNREACHABLE",
    );
  }
  const wrapped = new PostgresStoreError(`PostgreSQL at ${where}: ${detail}`, "PG_QUERY");
  return wrapped;
}

export interface PoolOptions {
  /** Connections in the pool. Default 4. */
  max?: number;
  /** Milliseconds to wait for a connection. Default 10 s. */
  connectTimeoutMs?: number;
}

/** The parsed URL, or a clear error (the text of the URL is never echoed: it may hold a password). */
export function checkConnectionString(url: string): void {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new PostgresStoreError(
      'A PostgreSQL connection string starts with "postgres://" or "postgresql://" (e.g. postgres://user:password@host:5432/db).',
      "PG_BAD_URL",
    );
  }
  try {
    new URL(url);
  } catch {
    throw new PostgresStoreError(
      "The PostgreSQL connection string is not a valid URL (a password with special characters must be percent-encoded).",
      "PG_BAD_URL",
    );
  }
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "skein",
  });
  // An idle connection the server or a proxy dropped: the pool discards it; the next query opens a new one.
  pool.on("error", () => undefined);
  return pool;
}
