import { afterEach, describe, expect, it } from "vitest";
import { POSTGRES_MIGRATIONS, SCHEMA_VERSION, type PostgresSaver } from "../../../../src/checkpoint/postgres";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason, withClient } from "./helpers";

const schemas: string[] = [];
const savers: PostgresSaver[] = [];
afterEach(async () => {
  for (const saver of savers.splice(0)) await saver.close();
  for (const schema of schemas.splice(0)) await dropSchema(schema);
});

function saverOn(schema: string, options: Parameters<typeof openSaver>[1] = {}): PostgresSaver {
  if (!schemas.includes(schema)) schemas.push(schema);
  const saver = openSaver(schema, options);
  savers.push(saver);
  return saver;
}

const tablesOf = (schema: string) =>
  withClient(async (client) =>
    (
      await client.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [schema],
      )
    ).rows.map((r) => r.table_name as string),
  );
const versionOf = (schema: string) =>
  withClient(async (client) =>
    (await client.query(`SELECT version FROM "${schema}".skein_schema`)).rows.map((r) => r.version as number),
  );

describe.skipIf(!pgUrl)(`PostgresSaver schema and migrations ${skipReason}`, () => {
  it("setup creates every table from nothing and records the version; running it again changes nothing", async () => {
    const schema = freshSchema("mig");
    const saver = saverOn(schema);
    await saver.setup();
    expect(await tablesOf(schema)).toEqual(["checkpoints", "items", "locks", "skein_schema", "threads", "writes"]);
    expect(await versionOf(schema)).toEqual([SCHEMA_VERSION]);
    await saver.setThreadInfo("kept", { title: "Kept" });
    await saver.setup();
    await saverOn(schema).setup();
    expect(await versionOf(schema)).toEqual([SCHEMA_VERSION]);
    expect((await saver.getThreadInfo("kept"))?.title).toBe("Kept");
  });

  it("migrates an older schema step by step in one transaction", async () => {
    const schema = freshSchema("mig");
    await saverOn(schema).setup();
    const next = {
      ...POSTGRES_MIGRATIONS,
      [SCHEMA_VERSION + 1]: [`ALTER TABLE S.threads ADD COLUMN pinned boolean NOT NULL DEFAULT false`],
    };
    await saverOn(schema, { migrations: next, schemaVersion: SCHEMA_VERSION + 1 }).setup();
    expect(await versionOf(schema)).toEqual([SCHEMA_VERSION + 1]);
    const columns = await withClient(async (client) =>
      (
        await client.query(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'threads'`,
          [schema],
        )
      ).rows.map((r) => r.column_name),
    );
    expect(columns).toContain("pinned");
  });

  it("a failing migration leaves nothing behind: the version and tables are as before", async () => {
    const schema = freshSchema("mig");
    await saverOn(schema).setup();
    const broken = {
      ...POSTGRES_MIGRATIONS,
      [SCHEMA_VERSION + 1]: [`CREATE TABLE S.extra (x int)`, `SELECT no_such_function()`],
    };
    await expect(saverOn(schema, { migrations: broken, schemaVersion: SCHEMA_VERSION + 1 }).setup()).rejects.toThrow(
      /no_such_function/,
    );
    expect(await versionOf(schema)).toEqual([SCHEMA_VERSION]);
    expect(await tablesOf(schema)).not.toContain("extra");
  });

  it("several setups at once (windows starting together) run the migrations once, without errors", async () => {
    const schema = freshSchema("mig");
    const starting = Array.from({ length: 6 }, () => saverOn(schema));
    await Promise.all(starting.map((saver) => saver.setup()));
    expect(await versionOf(schema)).toEqual([SCHEMA_VERSION]);
    await starting[0]!.setThreadInfo("t", { title: "one" });
    expect((await starting[5]!.listThreads()).map((t) => t.title)).toEqual(["one"]);
  });

  it("a schema newer than this client is refused with a clear message, and nothing is written", async () => {
    const schema = freshSchema("mig");
    await saverOn(schema).setup();
    await withClient((client) =>
      client.query(`UPDATE "${schema}".skein_schema SET version = $1`, [SCHEMA_VERSION + 5]),
    );
    const old = saverOn(schema);
    const error = (await old.setup().catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe("SCHEMA_TOO_NEW");
    expect(error.message).toContain(`version ${SCHEMA_VERSION + 5}`);
    expect(error.message).toContain("Update Skein");
    // Every operation is refused the same way before it touches a table.
    await expect(old.setThreadInfo("x", { title: "no" })).rejects.toMatchObject({ code: "SCHEMA_TOO_NEW" });
    await expect(old.getTuple({ configurable: { thread_id: "x" } })).rejects.toMatchObject({ code: "SCHEMA_TOO_NEW" });
    const rows = await withClient(
      async (client) => (await client.query(`SELECT count(*)::int AS n FROM "${schema}".threads`)).rows[0].n,
    );
    expect(rows).toBe(0);
    expect(await versionOf(schema)).toEqual([SCHEMA_VERSION + 5]);
  });

  it("refuses a schema name that could not be quoted safely", () => {
    expect(() => openSaver('x"; DROP TABLE y; --')).toThrow(/Invalid schema name/);
  });
});
