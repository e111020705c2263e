import { afterEach, describe, expect, it } from "vitest";
import { ThreadBusyError } from "../../../../src/checkpoint/errors";
import type { PostgresSaver } from "../../../../src/checkpoint/postgres";
import { END, MessagesAnnotation, START, StateGraph } from "../../../../src/graph";
import { makeText } from "../file/workload";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason, withClient } from "./helpers";

const opened: { saver: PostgresSaver; schema: string }[] = [];
afterEach(async () => {
  for (const { saver, schema } of opened.splice(0)) {
    await saver.close();
    await dropSchema(schema);
  }
});

async function fresh(options: Parameters<typeof openSaver>[1] = {}): Promise<{ saver: PostgresSaver; schema: string }> {
  const schema = freshSchema("store");
  const saver = openSaver(schema, options);
  await saver.setup();
  opened.push({ saver, schema });
  return { saver, schema };
}

function chatGraph(saver: PostgresSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("call_model", async (state) => ({
      messages: [
        {
          role: "assistant" as const,
          content: `reply to ${String(state.messages.at(-1)?.content).slice(0, 12)}: ${makeText(300, state.messages.length)}`,
        },
      ],
    }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });
}

const count = (schema: string, table: string, threadId?: string) =>
  withClient(async (client) => {
    const result = await client.query(
      `SELECT count(*)::int AS n FROM "${schema}".${table}${threadId ? " WHERE thread_id = $1" : ""}`,
      threadId ? [threadId] : [],
    );
    return result.rows[0].n as number;
  });

describe.skipIf(!pgUrl)(`PostgresSaver store ${skipReason}`, () => {
  it("runs the real graph: turns resume across savers and every message is stored once", async () => {
    const { saver, schema } = await fresh();
    const graph = chatGraph(saver);
    const thread = { configurable: { thread_id: "chat" } };
    for (let turn = 1; turn <= 20; turn++)
      await graph.invoke({ messages: [{ role: "user", content: `turn ${turn}: ${makeText(150, turn)}` }] }, thread);
    const other = openSaver(schema);
    try {
      const state = await chatGraph(other).getState(thread);
      expect(state.values.messages).toHaveLength(40);
      expect(
        state.values.messages
          .filter((m) => /^turn /.test(String(m.content)))
          .map((m) => String(m.content).split(":")[0]),
      ).toEqual(Array.from({ length: 20 }, (_, i) => `turn ${i + 1}`));
    } finally {
      await other.close();
    }
    // Each message is one item; checkpoints hold ranges, so their size does not grow with the history.
    expect(await count(schema, "items", "chat")).toBe(40);
    const sizes = await withClient(async (client) =>
      (
        await client.query(
          `SELECT id, octet_length(vals::text) AS n FROM "${schema}".checkpoints WHERE thread_id = 'chat' ORDER BY id`,
        )
      ).rows.map((r) => r.n as number),
    );
    expect(sizes).toHaveLength(60);
    expect(Math.max(...sizes.slice(-10))).toBeLessThan(400);
  });

  it("a branch (edit of an earlier message) shares the earlier messages and adds only the new ones", async () => {
    const { saver, schema } = await fresh();
    const graph = chatGraph(saver);
    const thread = { configurable: { thread_id: "b" } };
    for (let turn = 1; turn <= 5; turn++)
      await graph.invoke({ messages: [{ role: "user", content: `turn ${turn}` }] }, thread);
    const history = [];
    for await (const snapshot of graph.getStateHistory(thread)) history.push(snapshot);
    const afterTwo = history.find((s) => s.values.messages.length === 4 && s.next.length === 0)!;
    await graph.invoke({ messages: [{ role: "user", content: "turn 3 edited" }] }, afterTwo.config);
    expect(await count(schema, "items", "b")).toBe(12);
    const head = await graph.getState(thread);
    expect(head.values.messages.map((m) => String(m.content).split(":")[0])).toEqual([
      "turn 1",
      "reply to turn 1",
      "turn 2",
      "reply to turn 2",
      "turn 3 edited",
      "reply to turn 3 edite",
    ]);
  });

  it("deleteThread deletes every row of the thread and no other", async () => {
    const { saver, schema } = await fresh();
    const graph = chatGraph(saver);
    await graph.invoke({ messages: [{ role: "user", content: "hi" }] }, { configurable: { thread_id: "gone" } });
    await graph.invoke({ messages: [{ role: "user", content: "hi" }] }, { configurable: { thread_id: "kept" } });
    await saver.setThreadInfo("gone", { title: "Gone" });
    await saver.deleteThread("gone");
    for (const table of ["threads", "items", "checkpoints", "writes"])
      expect(await count(schema, table, "gone")).toBe(0);
    expect(await count(schema, "items", "kept")).toBe(2);
    expect(await count(schema, "checkpoints", "kept")).toBeGreaterThan(0);
  });

  it("a second writer gets ThreadBusyError naming the holder; writes by others are refused while it runs", async () => {
    const { saver: first, schema } = await fresh({ holder: "laptop-1, pid 11" });
    const second = openSaver(schema, { holder: "desktop-2, pid 22" });
    opened.push({ saver: second, schema });
    const lock = await first.lockThread("t");
    const busy = await second.lockThread("t").catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(ThreadBusyError);
    expect(busy).toMatchObject({ code: "THREAD_BUSY", threadId: "t", holder: "laptop-1, pid 11" });
    expect((busy as Error).message).toContain("laptop-1, pid 11");
    // Not holding the lock, a write is refused too: nothing forks under a running holder.
    const graph = chatGraph(second);
    await expect(
      second.put(
        { configurable: { thread_id: "t" } },
        { v: 4, id: "1", ts: "", channel_values: {}, channel_versions: {}, versions_seen: {} },
        { source: "input", step: -1, parents: {} },
        {},
      ),
    ).rejects.toBeInstanceOf(ThreadBusyError);
    await expect(
      graph.invoke({ messages: [{ role: "user", content: "x" }] }, { configurable: { thread_id: "t" } }),
    ).rejects.toBeInstanceOf(ThreadBusyError);
    expect(await count(schema, "checkpoints", "t")).toBe(0);
    // The holder itself writes freely; the title can be changed by anyone.
    await chatGraph(first)
      .updateState({ configurable: { thread_id: "t" } }, { messages: [{ role: "user", content: "held" }] })
      .catch(() => undefined);
    await second.setThreadInfo("t", { title: "Renamed elsewhere" });
    await lock.release();
    await graph.invoke({ messages: [{ role: "user", content: "now" }] }, { configurable: { thread_id: "t" } });
    expect((await second.getThreadInfo("t"))?.title).toBe("Renamed elsewhere");
  });

  it("a holder that stops renewing (crashed) loses the lock after its lease; its late writes are refused", async () => {
    const { saver: crashed, schema } = await fresh({ holder: "crashed", lockTtlMs: 60_000 });
    await crashed.lockThread("t");
    // The lease runs out (as when the holder's process died and stopped renewing; killed for real in processes.test.ts).
    await withClient((client) => client.query(`UPDATE "${schema}".locks SET expires_at = now() - interval '1 second'`));
    const next = openSaver(schema, { holder: "next" });
    opened.push({ saver: next, schema });
    const lock = await next.lockThread("t");
    await expect(
      crashed.put(
        { configurable: { thread_id: "t" } },
        { v: 4, id: "1", ts: "", channel_values: {}, channel_versions: {}, versions_seen: {} },
        { source: "input", step: -1, parents: {} },
        {},
      ),
    ).rejects.toMatchObject({ code: "THREAD_BUSY", holder: "next" });
    await lock.release();
  });

  it("errors name the server but never the password", async () => {
    const url = new URL(pgUrl);
    url.password = "s3cret-pa55";
    url.port = "1";
    const saver = openSaver("nowhere");
    await saver.close();
    const { PostgresSaver } = await import("../../../../src/checkpoint/postgres");
    const bad = PostgresSaver.fromConnString(url.toString(), { pool: { connectTimeoutMs: 2_000 } });
    const error = (await bad.setup().catch((e: unknown) => e)) as Error & { code: string };
    await bad.close();
    expect(error.code).toBe("PG_UNREACHABLE");
    expect(error.message).toContain("127.0.0.1:1");
    expect(error.message).not.toContain("s3cret");
    expect(bad.server).not.toContain("s3cret");
  });
});

describe.skipIf(!pgUrl)(`PostgresSaver workspaces ${skipReason}`, () => {
  it("a saver with a workspace key lists only that workspace's threads; without one, all; listWorkspaces groups them", async () => {
    const { saver: all, schema } = await fresh();
    const repoA = openSaver(schema, { workspace: "github.com/acme/a" });
    const repoB = all.forWorkspace("github.com/acme/b");
    opened.push({ saver: repoA, schema }, { saver: repoB, schema });
    await chatGraph(repoA).invoke(
      { messages: [{ role: "user", content: "in a" }] },
      { configurable: { thread_id: "a1" } },
    );
    await repoB.setThreadInfo("b1", { title: "in b" });
    await repoA.setThreadInfo("a2", { title: "also a" });
    expect((await repoA.listThreads()).map((t) => t.threadId)).toEqual(["a2", "a1"]);
    expect((await repoB.listThreads()).map((t) => t.threadId)).toEqual(["b1"]);
    expect((await all.listThreads()).map((t) => t.threadId)).toEqual(["a2", "b1", "a1"]);
    expect((await all.listWorkspaces()).map((w) => [w.workspace, w.threads])).toEqual([
      ["github.com/acme/a", 2],
      ["github.com/acme/b", 1],
    ]);
    // Any saver reads any thread by id (the key scopes lists, not access).
    expect(
      (await repoB.getTuple({ configurable: { thread_id: "a1" } }))?.checkpoint.channel_values.messages,
    ).toHaveLength(2);
  });

  it("catalog times are the ISO 8601 text Date gives, in UTC, whatever the session's time zone", async () => {
    const { saver, schema } = await fresh();
    const before = Date.now();
    await saver.setThreadInfo("t1", { title: "one" });
    await withClient((client) => client.query(`ALTER DATABASE postgres SET timezone TO 'Asia/Kolkata'`));
    try {
      const tz = openSaver(schema);
      opened.push({ saver: tz, schema: freshSchema("unused") });
      const [listed] = await tz.listThreads();
      const info = (await tz.getThreadInfo("t1"))!;
      for (const at of [listed!.updatedAt, listed!.createdAt, info.updatedAt, info.createdAt]) {
        expect(at).toBe(new Date(at).toISOString());
        expect(Date.parse(at)).toBeGreaterThanOrEqual(before - 1_000);
        expect(Date.parse(at)).toBeLessThanOrEqual(Date.now() + 1_000);
      }
    } finally {
      await withClient((client) => client.query(`ALTER DATABASE postgres RESET timezone`));
    }
  });
});
