/**
 * The saver contract every saver must pass (LangGraph's checkpoint-validation, plus Skein's catalog and lock).
 * Usage: `runSaverConformance("MemorySaver", async () => ({ saver: new MemorySaver() }))`.
 * `reopen` (optional) returns a new saver instance over the same storage; `cleanup` runs after each test.
 */
import { afterEach, describe, expect, it } from "vitest";
import { v6 as uuid6 } from "uuid";
import type { BaseCheckpointSaver } from "../../../src/checkpoint/base";
import { ThreadBusyError } from "../../../src/checkpoint/errors";
import type {
  ChannelVersions,
  Checkpoint,
  CheckpointConfig,
  CheckpointMetadata,
  CheckpointTuple,
} from "../../../src/checkpoint/types";

export interface SaverUnderTest {
  saver: BaseCheckpointSaver;
  reopen?: () => Promise<BaseCheckpointSaver>;
  cleanup?: () => Promise<void>;
}

export function makeCheckpoint(values: Record<string, unknown> = {}, versions?: ChannelVersions): Checkpoint {
  const channel_versions: ChannelVersions = versions ?? Object.fromEntries(Object.keys(values).map((k) => [k, 1]));
  return {
    v: 4,
    id: uuid6(),
    ts: new Date().toISOString(),
    channel_values: values,
    channel_versions,
    versions_seen: {},
  };
}

function meta(
  step: number,
  source: CheckpointMetadata["source"] = "loop",
  extra: Record<string, unknown> = {},
): CheckpointMetadata {
  return { source, step, parents: {}, ...extra };
}

function cfg(thread_id: string, checkpoint_id?: string, checkpoint_ns = ""): CheckpointConfig {
  return { configurable: { thread_id, checkpoint_ns, ...(checkpoint_id ? { checkpoint_id } : {}) } };
}

async function collect(iterable: AsyncIterable<CheckpointTuple>): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const ids = (tuples: CheckpointTuple[]) => tuples.map((t) => t.checkpoint.id);

export function runSaverConformance(name: string, makeSaver: () => Promise<SaverUnderTest>): void {
  describe(`saver conformance: ${name}`, () => {
    let current: SaverUnderTest | undefined;
    const open = async () => (current = await makeSaver());
    afterEach(async () => {
      await current?.saver.close();
      await current?.cleanup?.();
      current = undefined;
    });

    /** Writes a chain of `n` checkpoints on a thread; returns their ids oldest first. */
    async function chain(saver: BaseCheckpointSaver, thread: string, n: number, ns = ""): Promise<string[]> {
      const out: string[] = [];
      let parent: string | undefined;
      for (let i = 0; i < n; i++) {
        const cp = makeCheckpoint({ count: i }, { count: i + 1 });
        await saver.put(cfg(thread, parent, ns), cp, meta(i - 1, i === 0 ? "input" : "loop", { n: i }), {
          count: i + 1,
        });
        out.push(cp.id);
        parent = cp.id;
      }
      return out;
    }

    it("getTuple returns the latest checkpoint, or the one named by checkpoint_id", async () => {
      const { saver } = await open();
      expect(await saver.getTuple(cfg("t"))).toBeUndefined();
      const [a, b, c] = await chain(saver, "t", 3);
      const latest = await saver.getTuple(cfg("t"));
      expect(latest?.checkpoint.id).toBe(c);
      expect(latest?.checkpoint.channel_values).toEqual({ count: 2 });
      expect(latest?.config.configurable).toMatchObject({ thread_id: "t", checkpoint_ns: "", checkpoint_id: c });
      expect(latest?.metadata).toEqual(meta(1, "loop", { n: 2 }));
      const first = await saver.getTuple(cfg("t", a));
      expect(first?.checkpoint.channel_values).toEqual({ count: 0 });
      expect(first?.parentConfig).toBeUndefined();
      expect((await saver.getTuple(cfg("t", b)))?.parentConfig?.configurable?.checkpoint_id).toBe(a);
      expect(await saver.getTuple(cfg("t", uuid6()))).toBeUndefined();
      expect(await saver.getTuple(cfg("other"))).toBeUndefined();
    });

    it("put returns the new checkpoint's config and does not require the parent to exist", async () => {
      const { saver } = await open();
      const ghost = uuid6();
      const cp = makeCheckpoint({ x: 1 });
      const returned = await saver.put(cfg("t", ghost), cp, meta(0), { x: 1 });
      expect(returned.configurable).toMatchObject({ thread_id: "t", checkpoint_ns: "", checkpoint_id: cp.id });
      const tuple = await saver.getTuple(cfg("t"));
      expect(tuple?.parentConfig?.configurable).toMatchObject({ thread_id: "t", checkpoint_id: ghost });
      expect(tuple?.checkpoint).toEqual(cp);
    });

    it("keeps channel values, versions and versions_seen exactly, including unchanged channels", async () => {
      const { saver } = await open();
      const first = makeCheckpoint({ a: [1, { b: 2 }], s: "x" }, { a: 1, s: 1 });
      first.versions_seen = { node: { a: 1 } };
      await saver.put(cfg("t"), first, meta(-1, "input"), { a: 1, s: 1 });
      const second = makeCheckpoint({ a: [1, { b: 2 }, 3], s: "x" }, { a: 2, s: 1 });
      second.versions_seen = { node: { a: 2 }, other: { s: 1 } };
      await saver.put(cfg("t", first.id), second, meta(0), { a: 2 });
      expect((await saver.getTuple(cfg("t")))?.checkpoint).toEqual(second);
      expect((await saver.getTuple(cfg("t", first.id)))?.checkpoint).toEqual(first);
    });

    it("stores the values given even when newVersions understates what changed (a copy under another parent)", async () => {
      const { saver } = await open();
      const parent = makeCheckpoint({ a: "parent", b: [1] }, { a: 1, b: 1 });
      await saver.put(cfg("t"), parent, meta(0), { a: 1, b: 1 });
      const child = makeCheckpoint({ a: "child", b: [1, 2] }, { a: 2, b: 2 });
      await saver.put(cfg("t", parent.id), child, meta(1, "fork"), {});
      expect((await saver.getTuple(cfg("t", child.id)))?.checkpoint.channel_values).toEqual({ a: "child", b: [1, 2] });
    });

    it("list: one thread newest first, with limit, before and filter", async () => {
      const { saver } = await open();
      const chainIds = await chain(saver, "t", 5);
      await chain(saver, "u", 2);
      const all = await collect(saver.list(cfg("t")));
      expect(ids(all)).toEqual([...chainIds].reverse());
      expect(all[0]?.parentConfig?.configurable?.checkpoint_id).toBe(chainIds[3]);
      expect(ids(await collect(saver.list(cfg("t"), { limit: 2 })))).toEqual([chainIds[4], chainIds[3]]);
      expect(ids(await collect(saver.list(cfg("t"), { before: cfg("t", chainIds[2]) })))).toEqual([
        chainIds[1],
        chainIds[0],
      ]);
      expect(ids(await collect(saver.list(cfg("t"), { before: cfg("t", chainIds[3]), limit: 1 })))).toEqual([
        chainIds[2],
      ]);
      expect(ids(await collect(saver.list(cfg("t"), { filter: { source: "input" } })))).toEqual([chainIds[0]]);
      expect(ids(await collect(saver.list(cfg("t"), { filter: { source: "loop", n: 3 } })))).toEqual([chainIds[3]]);
      expect(await collect(saver.list(cfg("t"), { filter: { source: "fork" } }))).toEqual([]);
      expect(await collect(saver.list(cfg("nobody")))).toEqual([]);
    });

    it("list filter compares as JSON (as LangGraph's savers do): a key holding undefined is a missing key", async () => {
      const { saver } = await open();
      const plain = makeCheckpoint({ n: 1 });
      let config = await saver.put(cfg("t"), plain, meta(0, "loop", { nested: { a: 1 } }), { n: 1 });
      const holey = makeCheckpoint({ n: 2 }, { n: 2 });
      config = await saver.put(
        config,
        holey,
        meta(1, "loop", { tag: undefined, nested: { a: 1, b: undefined }, list: [undefined] }),
        { n: 2 },
      );
      const tagged = makeCheckpoint({ n: 3 }, { n: 3 });
      await saver.put(config, tagged, meta(2, "loop", { tag: "x", nested: { a: 2 } }), { n: 3 });
      const found = async (filter: Record<string, unknown>) => ids(await collect(saver.list(cfg("t"), { filter })));
      expect(await found({ tag: undefined })).toEqual([holey.id, plain.id]);
      expect(await found({ nested: { a: 1 } })).toEqual([holey.id, plain.id]);
      expect(await found({ nested: { a: 1, b: undefined } })).toEqual([holey.id, plain.id]);
      expect(await found({ list: [null] })).toEqual([holey.id]);
      expect(await found({ tag: "x", nested: { a: 2 } })).toEqual([tagged.id]);
      expect(await found({ nested: { a: 1, b: null } })).toEqual([]);
      expect(await found({ tag: null })).toEqual([]);
    });

    it("list: every thread when thread_id is absent, newest first overall", async () => {
      const { saver } = await open();
      const t = await chain(saver, "t", 2);
      const u = await chain(saver, "u", 2);
      const v = await chain(saver, "v", 1);
      const everything = await collect(saver.list({}));
      expect(ids(everything)).toEqual([...t, ...u, ...v].sort().reverse());
      expect(new Set(everything.map((x) => x.config.configurable?.thread_id))).toEqual(new Set(["t", "u", "v"]));
      expect(ids(await collect(saver.list({}, { limit: 2 })))).toEqual([v[0], u[1]]);
      expect(ids(await collect(saver.list({}, { filter: { source: "input" } })))).toEqual([v[0], u[0], t[0]]);
    });

    it("list and getTuple keep namespaces apart", async () => {
      const { saver } = await open();
      const root = await chain(saver, "t", 2, "");
      const sub = await chain(saver, "t", 2, "child:1");
      expect((await saver.getTuple(cfg("t")))?.checkpoint.id).toBe(root[1]);
      expect((await saver.getTuple(cfg("t", undefined, "child:1")))?.checkpoint.id).toBe(sub[1]);
      expect(ids(await collect(saver.list(cfg("t", undefined, "child:1"))))).toEqual([...sub].reverse());
      expect(ids(await collect(saver.list(cfg("t", undefined, ""))))).toEqual([...root].reverse());
      const whole = await collect(saver.list({ configurable: { thread_id: "t" } }));
      expect(ids(whole).sort()).toEqual([...root, ...sub].sort());
    });

    it("putWrites: writes attach to their checkpoint with the index rule", async () => {
      const { saver } = await open();
      const [a] = await chain(saver, "t", 1);
      await saver.putWrites(
        cfg("t", a),
        [
          ["x", 1],
          ["y", 2],
        ],
        "task1",
      );
      // Ordinary writes are insert-or-ignore: a finished task's writes are never clobbered.
      await saver.putWrites(
        cfg("t", a),
        [
          ["x", 100],
          ["y", 200],
        ],
        "task1",
      );
      await saver.putWrites(cfg("t", a), [["__error__", { message: "first" }]], "task2");
      // Special channels replace.
      await saver.putWrites(cfg("t", a), [["__error__", { message: "second" }]], "task2");
      await saver.putWrites(cfg("t", a), [["__interrupt__", [{ id: "i", value: 1 }]]], "task3");
      await saver.putWrites(cfg("t", a), [["__interrupt__", [{ id: "i", value: 2 }]]], "task3");
      const writes = (await saver.getTuple(cfg("t")))?.pendingWrites ?? [];
      const byTask = (task: string) =>
        writes.filter(([id]) => id === task).map(([, channel, value]) => [channel, value]);
      expect(byTask("task1")).toEqual([
        ["x", 1],
        ["y", 2],
      ]);
      expect(byTask("task2")).toEqual([["__error__", { message: "second" }]]);
      expect(byTask("task3")).toEqual([["__interrupt__", [{ id: "i", value: 2 }]]]);
      expect(writes).toHaveLength(4);
    });

    it("putWrites: idempotent, and scoped to the checkpoint and thread", async () => {
      const { saver } = await open();
      const [a, b] = await chain(saver, "t", 2);
      const [c] = await chain(saver, "u", 1);
      for (let i = 0; i < 3; i++) await saver.putWrites(cfg("t", a), [["x", i]], "task");
      expect((await saver.getTuple(cfg("t", a)))?.pendingWrites).toEqual([["task", "x", 0]]);
      expect((await saver.getTuple(cfg("t", b)))?.pendingWrites ?? []).toEqual([]);
      expect((await saver.getTuple(cfg("u", c)))?.pendingWrites ?? []).toEqual([]);
      // Writes for a checkpoint not yet stored become visible once it is.
      const next = makeCheckpoint({ count: 9 });
      await saver.putWrites(cfg("t", next.id), [["late", true]], "task");
      await saver.put(cfg("t", b), next, meta(2), { count: 1 });
      expect((await saver.getTuple(cfg("t")))?.pendingWrites).toEqual([["task", "late", true]]);
      const listed = await collect(saver.list(cfg("t"), { limit: 1 }));
      expect(listed[0]?.pendingWrites).toEqual([["task", "late", true]]);
    });

    it("stores deep copies: mutating inputs or returned values never changes the store", async () => {
      const { saver } = await open();
      const message = { id: "m1", role: "user", content: "hi", nested: { deep: [1] } };
      const cp = makeCheckpoint({ messages: [message], obj: { k: "v" } });
      const metadata = meta(0, "loop", { tag: { a: 1 } });
      await saver.put(cfg("t"), cp, metadata, { messages: 1, obj: 1 });
      const value = { payload: [1, 2] };
      await saver.putWrites(cfg("t", cp.id), [["ch", value]], "task");
      (cp.channel_values.obj as { k: string }).k = "changed";
      (metadata.tag as { a: number }).a = 2;
      value.payload.push(3);

      const first = (await saver.getTuple(cfg("t")))!;
      expect(first.checkpoint.channel_values.obj).toEqual({ k: "v" });
      expect(first.metadata?.tag).toEqual({ a: 1 });
      expect(first.pendingWrites).toEqual([["task", "ch", { payload: [1, 2] }]]);
      const got = first.checkpoint.channel_values.messages as (typeof message)[];
      got[0]!.content = "mutated";
      got[0]!.nested.deep.push(2);
      got.push({ ...message, id: "m2" });
      (first.pendingWrites![0]![2] as { payload: number[] }).payload.length = 0;
      first.checkpoint.channel_versions.messages = 99;
      first.checkpoint.versions_seen.x = { y: 1 };

      const again = (await saver.getTuple(cfg("t")))!;
      expect(again.checkpoint.channel_values.messages).toEqual([
        { id: "m1", role: "user", content: "hi", nested: { deep: [1] } },
      ]);
      expect(again.checkpoint.channel_versions.messages).toBe(1);
      expect(again.checkpoint.versions_seen).toEqual({});
      expect(again.pendingWrites).toEqual([["task", "ch", { payload: [1, 2] }]]);
      const listed = await collect(saver.list(cfg("t")));
      (listed[0]!.checkpoint.channel_values.messages as unknown[]).length = 0;
      expect((await saver.getTuple(cfg("t")))!.checkpoint.channel_values.messages).toHaveLength(1);
    });

    it("a child put that reuses the values read from its parent stores them correctly", async () => {
      const { saver } = await open();
      const cp1 = makeCheckpoint({ messages: [{ id: "a", content: "1" }] });
      await saver.put(cfg("t"), cp1, meta(0), { messages: 1 });
      const read = (await saver.getTuple(cfg("t")))!;
      const messages = read.checkpoint.channel_values.messages as { id: string; content: string }[];
      const cp2 = makeCheckpoint({ messages: [...messages, { id: "b", content: "2" }] }, { messages: 2 });
      await saver.put(read.config, cp2, meta(1), { messages: 2 });
      expect((await saver.getTuple(cfg("t")))!.checkpoint.channel_values.messages).toEqual([
        { id: "a", content: "1" },
        { id: "b", content: "2" },
      ]);
      expect((await saver.getTuple(cfg("t", cp1.id)))!.checkpoint.channel_values.messages).toEqual([
        { id: "a", content: "1" },
      ]);
    });

    it("deleteThread removes checkpoints, writes and the catalog entry of that thread only", async () => {
      const { saver } = await open();
      const [a] = await chain(saver, "t", 2);
      await saver.putWrites(cfg("t", a), [["x", 1]], "task");
      await chain(saver, "u", 1);
      await saver.deleteThread("t");
      expect(await saver.getTuple(cfg("t"))).toBeUndefined();
      expect(await saver.getTuple(cfg("t", a))).toBeUndefined();
      expect(await collect(saver.list(cfg("t")))).toEqual([]);
      expect((await collect(saver.list({}))).every((x) => x.config.configurable?.thread_id === "u")).toBe(true);
      expect(await saver.getThreadInfo("t")).toBeUndefined();
      expect((await saver.listThreads()).map((x) => x.threadId)).toEqual(["u"]);
      await saver.deleteThread("never-existed");
      // A thread may be started again after deletion, from scratch.
      const [fresh] = await chain(saver, "t", 1);
      expect((await saver.getTuple(cfg("t")))?.checkpoint.id).toBe(fresh);
      expect((await saver.getTuple(cfg("t")))?.pendingWrites ?? []).toEqual([]);
    });

    it("thread catalog: put creates and bumps entries; listThreads is newest first", async () => {
      const { saver } = await open();
      expect(await saver.listThreads()).toEqual([]);
      await chain(saver, "a", 1);
      await chain(saver, "b", 1);
      await chain(saver, "c", 1);
      expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["c", "b", "a"]);
      const before = (await saver.getThreadInfo("a"))!;
      await chain(saver, "a", 1);
      const after = (await saver.getThreadInfo("a"))!;
      expect(after.createdAt).toBe(before.createdAt);
      expect(after.updatedAt >= before.updatedAt).toBe(true);
      const listed = await saver.listThreads();
      expect(listed.map((t) => t.threadId)).toEqual(["a", "c", "b"]);
      for (let i = 1; i < listed.length; i++) expect(listed[i - 1]!.updatedAt >= listed[i]!.updatedAt).toBe(true);
      expect((await saver.listThreads({ limit: 2 })).map((t) => t.threadId)).toEqual(["a", "c"]);
      expect(after).toMatchObject({ threadId: "a", metadata: {} });
      expect(Number.isNaN(Date.parse(after.createdAt))).toBe(false);
    });

    it("thread catalog: setThreadInfo creates, merges metadata and keeps other fields", async () => {
      const { saver } = await open();
      const created = await saver.setThreadInfo("x", { title: "First", metadata: { a: 1, b: 2 } });
      expect(created).toMatchObject({ threadId: "x", title: "First", metadata: { a: 1, b: 2 } });
      expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["x"]);
      expect(await saver.getTuple(cfg("x"))).toBeUndefined();
      const merged = await saver.setThreadInfo("x", { metadata: { b: 3, c: 4 } });
      expect(merged).toMatchObject({ title: "First", metadata: { a: 1, b: 3, c: 4 } });
      const removed = await saver.setThreadInfo("x", { title: "Renamed", metadata: { a: undefined } });
      expect(removed.title).toBe("Renamed");
      expect(removed.metadata).toEqual({ b: 3, c: 4 });
      expect(removed.createdAt).toBe(created.createdAt);
      expect(await saver.getThreadInfo("x")).toEqual(removed);
      // Returned info is a copy.
      removed.metadata.b = 99;
      expect((await saver.getThreadInfo("x"))!.metadata.b).toBe(3);
      // The catalog entry survives checkpoints being added.
      await chain(saver, "x", 1);
      expect(await saver.getThreadInfo("x")).toMatchObject({ title: "Renamed", metadata: { b: 3, c: 4 } });
      expect(await saver.getThreadInfo("nobody")).toBeUndefined();
    });

    it("lockThread: one holder per thread; released locks can be taken again", async () => {
      const { saver } = await open();
      const lock = await saver.lockThread("t");
      await expect(saver.lockThread("t")).rejects.toBeInstanceOf(ThreadBusyError);
      await expect(saver.lockThread("t")).rejects.toMatchObject({ code: "THREAD_BUSY", threadId: "t" });
      const other = await saver.lockThread("u");
      await lock.release();
      await lock.release(); // idempotent
      const again = await saver.lockThread("t");
      await again.release();
      await other.release();
    });

    it("__proto__, constructor and prototype are ordinary thread ids, channels and keys", async () => {
      const { saver } = await open();
      for (const id of ["__proto__", "constructor", "prototype"]) {
        const cp = makeCheckpoint({ [id]: id, ["plain"]: { [id]: 1 } });
        const values = JSON.parse('{"__proto__": {"polluted": true}, "safe": 1}') as Record<string, unknown>;
        cp.channel_values.json = values;
        await saver.put(cfg(id), cp, meta(0, "loop", { [id]: "m" }), { [id]: 1 });
        await saver.putWrites(cfg(id, cp.id), [[id, 1]], id);
        await saver.setThreadInfo(id, { title: id, metadata: JSON.parse(`{"${id}": {"polluted": true}}`) });
        const tuple = await saver.getTuple(cfg(id));
        expect(tuple?.checkpoint.channel_values[id]).toBe(id);
        expect(Object.prototype.hasOwnProperty.call(tuple?.checkpoint.channel_values.json, "__proto__")).toBe(true);
        expect(tuple?.pendingWrites).toEqual([[id, id, 1]]);
        expect(ids(await collect(saver.list(cfg(id), { filter: { [id]: "m" } })))).toEqual([cp.id]);
        expect((await saver.getThreadInfo(id))?.title).toBe(id);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await saver.listThreads()).map((t) => t.threadId).sort()).toEqual([
        "__proto__",
        "constructor",
        "prototype",
      ]);
      await saver.deleteThread("__proto__");
      expect(await saver.getTuple(cfg("__proto__"))).toBeUndefined();
      expect(await saver.getTuple(cfg("constructor"))).toBeDefined();
    });

    it("refuses thread ids that are not well-formed Unicode at every call, so two of them never share a thread", async () => {
      const { saver } = await open();
      // Both would turn into "user-\uFFFD" once encoded as UTF-8 (a file name, a database row, an export).
      const refused = { name: "InvalidThreadIdError", code: "INVALID_THREAD_ID" };
      for (const id of ["user-\uD800", "user-\uDC00", "\uDFFF\uD800"]) {
        const cp = makeCheckpoint({ a: 1 });
        await expect(saver.put(cfg(id), cp, meta(0), { a: 1 })).rejects.toMatchObject(refused);
        await expect(saver.putWrites(cfg(id, cp.id), [["a", 1]], "task")).rejects.toMatchObject(refused);
        await expect(saver.setThreadInfo(id, { title: "x" })).rejects.toMatchObject(refused);
        await expect(saver.getTuple(cfg(id))).rejects.toMatchObject(refused);
        await expect(collect(saver.list(cfg(id)))).rejects.toMatchObject(refused);
        await expect(saver.getThreadInfo(id)).rejects.toMatchObject(refused);
        await expect(saver.deleteThread(id)).rejects.toMatchObject(refused);
        await expect(saver.lockThread(id)).rejects.toMatchObject(refused);
      }
      expect(await saver.listThreads()).toEqual([]);
      // A surrogate pair (one astral character) is well formed and an ordinary id.
      const cp = makeCheckpoint({ a: 1 });
      await saver.put(cfg("user-\uD83D\uDE00"), cp, meta(0), { a: 1 });
      expect((await saver.getTuple(cfg("user-\u{1F600}")))?.checkpoint.id).toBe(cp.id);
    });

    it("a reopened saver sees everything (skipped when the saver has no storage to reopen)", async () => {
      const subject = await open();
      if (!subject.reopen) return;
      const chainIds = await chain(subject.saver, "t", 3);
      await subject.saver.putWrites(cfg("t", chainIds[2]), [["x", 1]], "task");
      await subject.saver.setThreadInfo("t", { title: "Kept" });
      await subject.saver.close();
      const reopened = await subject.reopen();
      current = { ...subject, saver: reopened };
      expect((await reopened.getTuple(cfg("t")))?.checkpoint.id).toBe(chainIds[2]);
      expect((await reopened.getTuple(cfg("t")))?.pendingWrites).toEqual([["task", "x", 1]]);
      expect(ids(await collect(reopened.list(cfg("t"))))).toEqual([...chainIds].reverse());
      expect((await reopened.getThreadInfo("t"))?.title).toBe("Kept");
    });
  });
}
