import type { PoolClient } from "pg";
import { CheckpointError } from "../errors";

/**
 * Skein's own tables in one PostgreSQL schema, versioned in `<schema>.skein_schema`. `setup()` runs the missing
 * migrations in one transaction under a transaction-scoped advisory lock, so two windows starting at once
 * run them once; a database whose schema is newer than this client is refused before anything is written.
 *
 *   threads      the catalog (workspace key, title, metadata, times; `touched` orders the list), a change counter `rev`
 *                for re-sync after a lost LISTEN, `gen` (new when a thread is deleted and made again) and
 *                the next item number
 *   items        every array element (message) a thread ever stored, once, numbered per thread
 *   checkpoints  one row per checkpoint: metadata, versions and each channel as a value or item ranges
 *   writes       pending writes, keyed like LangGraph's (task, index)
 *   locks        run locks: holder, token and a lease renewed while the run lasts
 */
export const SCHEMA_VERSION = 1;

export class SchemaVersionError extends CheckpointError {
  override name = "SchemaVersionError";
  constructor(
    readonly schema: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `The Skein tables in schema "${schema}" are version ${found}, newer than this Skein understands (${supported}). Update Skein on this machine; nothing was written.`,
      "SCHEMA_TOO_NEW",
    );
  }
}

/** `MIGRATIONS[n]` turns version n - 1 into n (statements; `S` stands for the quoted schema name). */
export const MIGRATIONS: Readonly<Record<number, readonly string[]>> = Object.freeze({
  1: [
    `CREATE SEQUENCE S.rev_seq`,
    `CREATE SEQUENCE S.gen_seq`,
    `CREATE TABLE S.threads (
      thread_id text PRIMARY KEY,
      gen bigint NOT NULL,
      workspace text NOT NULL DEFAULT '',
      title text,
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      rev bigint NOT NULL,
      touched bigint NOT NULL,
      next_item integer NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX threads_workspace_touched ON S.threads (workspace, touched)`,
    `CREATE INDEX threads_touched ON S.threads (touched)`,
    `CREATE INDEX threads_rev ON S.threads (rev)`,
    `CREATE TABLE S.items (
      thread_id text NOT NULL,
      no integer NOT NULL,
      value json NOT NULL,
      PRIMARY KEY (thread_id, no)
    )`,
    `CREATE TABLE S.checkpoints (
      thread_id text NOT NULL,
      ns text NOT NULL,
      id text NOT NULL,
      parent_id text,
      ts text NOT NULL,
      metadata jsonb NOT NULL,
      versions json NOT NULL,
      seen json NOT NULL,
      vals json NOT NULL,
      PRIMARY KEY (thread_id, ns, id)
    )`,
    `CREATE INDEX checkpoints_id ON S.checkpoints (id DESC)`,
    `CREATE TABLE S.writes (
      thread_id text NOT NULL,
      ns text NOT NULL,
      checkpoint_id text NOT NULL,
      task_id text NOT NULL,
      idx integer NOT NULL,
      channel text NOT NULL,
      value json,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      PRIMARY KEY (thread_id, ns, checkpoint_id, task_id, idx)
    )`,
    `CREATE TABLE S.locks (
      thread_id text PRIMARY KEY,
      token text NOT NULL,
      holder text NOT NULL,
      acquired_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`,
  ],
});

/** A schema name safe to splice into SQL (quoted), or a clear error. */
export function checkSchemaName(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(schema)) {
    throw new CheckpointError(
      `Invalid schema name ${JSON.stringify(schema)}: use letters, digits and _ (at most 41, not starting with a digit).`,
      "INVALID_SCHEMA",
    );
  }
  return schema;
}

export const quoted = (schema: string) => `"${schema}"`;

/** The advisory-lock key of everything that must not run twice at once for one schema. */
export const setupLockKey = (schema: string) => `skein-setup:${schema}`;

/** The installed version, or 0 when the schema has no Skein tables yet. Reads only. */
export async function installedVersion(client: PoolClient, schema: string): Promise<number> {
  const table = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [
    `${quoted(schema)}.skein_schema`,
  ]);
  if (table.rows[0]?.t === null) return 0;
  const row = await client.query<{ version: number }>(`SELECT version FROM ${quoted(schema)}.skein_schema`);
  return row.rows[0]?.version ?? 0;
}

/**
 * Brings the schema to `target` (default: this client's version) in one transaction. Returns the version
 * found before. Throws SchemaVersionError, with nothing written, when the database is newer.
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  migrations: Readonly<Record<number, readonly string[]>> = MIGRATIONS,
  target = SCHEMA_VERSION,
): Promise<number> {
  const q = quoted(schema);
  await client.query("BEGIN");
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [setupLockKey(schema)]);
    const found = await installedVersion(client, schema);
    if (found > target) throw new SchemaVersionError(schema, found, target);
    if (found < target) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
      if (found === 0) {
        await client.query(
          `CREATE TABLE ${q}.skein_schema (version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())`,
        );
        await client.query(`INSERT INTO ${q}.skein_schema (version) VALUES (0)`);
      }
      for (let version = found + 1; version <= target; version++) {
        const steps = migrations[version];
        if (!steps) throw new CheckpointError(`No migration to Skein schema version ${version}.`, "MIGRATION_MISSING");
        for (const statement of steps) await client.query(statement.replace(/\bS\./g, `${q}.`));
      }
      await client.query(`UPDATE ${q}.skein_schema SET version = $1, migrated_at = now()`, [target]);
    }
    await client.query("COMMIT");
    return found;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
