import pg from "pg";
import { inject } from "vitest";
import { PostgresSaver, type PostgresSaverOptions } from "../../../../src/checkpoint/postgres";

/** The test server's URL, or "" with `skipReason` saying why there is none. */
export const pgUrl = inject("pgUrl");
export const skipReason = pgUrl ? "" : `skipped: ${inject("pgSkipReason") || "no PostgreSQL server"}`;

let counter = 0;
/** A schema name no other test uses, so tests never see each other's rows. */
export function freshSchema(prefix = "t"): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

export function openSaver(schema: string, options: PostgresSaverOptions = {}): PostgresSaver {
  return PostgresSaver.fromConnString(pgUrl, { schema, ...options });
}

/** A plain client for looking at the tables directly. */
export async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
