import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidThreadIdError, ThreadBusyError } from "../../../../src/checkpoint/errors";
import { threadFileStem } from "../../../../src/checkpoint/file";
import { makeCheckpoint } from "../conformance";
import { bytesUnder, cfg, collect, openSaver, tempDir } from "./helpers";
import { simulateTurn, type TurnMessage } from "./workload";

const meta = { source: "loop" as const, step: 0, parents: {} };

describe("FileSaver thread ids", () => {
  it("refuses ids that could reach outside the store, before touching the disk", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir);
    const bad = [
      "..",
      "a/../b",
      "../escape",
      "a/b",
      "a\\b",
      "nul\u0000byte",
      "tab\there",
      "x".repeat(257),
      " padded",
      ".",
    ];
    for (const id of bad) {
      await expect(saver.put(cfg(id), makeCheckpoint({ a: 1 }), meta, { a: 1 })).rejects.toBeInstanceOf(
        InvalidThreadIdError,
      );
      await expect(saver.setThreadInfo(id, { title: "x" })).rejects.toMatchObject({ code: "INVALID_THREAD_ID" });
      await expect(saver.deleteThread(id)).rejects.toBeInstanceOf(InvalidThreadIdError);
    }
    await expect(saver.setThreadInfo("", {})).rejects.toBeInstanceOf(InvalidThreadIdError);
    await expect(saver.put(cfg(""), makeCheckpoint({ a: 1 }), meta, { a: 1 })).rejects.toMatchObject({
      code: "MISSING_THREAD_ID",
    });
    await expect(saver.getTuple(cfg("../x"))).rejects.toBeInstanceOf(InvalidThreadIdError);
    await expect(saver.lockThread("a/b")).rejects.toBeInstanceOf(InvalidThreadIdError);
    expect(readdirSync(join(dir, "threads"))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["catalog.log", "locks", "skein-store.json", "threads"]);
  });

  it("keeps odd but valid ids apart, each in its own safe file name", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir);
    const ids = [
      "Thread",
      "thread",
      "CON",
      "nul",
      "ünïcode 🧵",
      "a.b",
      "x".repeat(256),
      "x".repeat(255) + "y",
      "with space",
      "%2e%2e",
    ];
    for (const id of ids) await saver.put(cfg(id), makeCheckpoint({ who: id }), meta, { who: 1 });
    const files = readdirSync(join(dir, "threads"));
    expect(files).toHaveLength(ids.length);
    for (const name of files) {
      expect(name).toMatch(/^t-[a-z0-9_~-]+\.log$/);
      expect(name.length).toBeLessThan(200);
    }
    expect(new Set(ids.map(threadFileStem)).size).toBe(ids.length);
    const reopened = openSaver(dir).saver;
    for (const id of ids) expect((await reopened.getTuple(cfg(id)))?.checkpoint.channel_values).toEqual({ who: id });
    expect((await reopened.listThreads()).map((t) => t.threadId).sort()).toEqual([...ids].sort());
  });
});

describe("FileSaver storage is O(delta)", () => {
  it("stores each turn's new messages once: bytes grow linearly and stay under 1.3× the message text", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { compactBytes: 16 * 1024 });
    let text = 0;
    const sizes: number[] = [];
    for (let turn = 1; turn <= 300; turn++) {
      await simulateTurn(saver, "t", turn);
      if (turn % 100 === 0) sizes.push(saver.threadBytes("t"));
    }
    const head = (await saver.getTuple(cfg("t")))!;
    const messages = head.checkpoint.channel_values.messages as TurnMessage[];
    expect(messages).toHaveLength(600);
    for (const m of messages) text += m.content.length;
    // Linear: the third hundred turns cost about what the first did (quadratic storage would triple it).
    const perHundred = [sizes[0]!, sizes[1]! - sizes[0]!, sizes[2]! - sizes[1]!];
    expect(perHundred[2]! / perHundred[0]!).toBeLessThan(1.3);
    expect(sizes[2]!).toBeLessThan(1.3 * text);
    // Every checkpoint still reads back whole.
    const history = await collect(saver.list(cfg("t")));
    expect(history).toHaveLength(900);
    expect((history[899]!.checkpoint.channel_values.messages as unknown[] | undefined) ?? []).toHaveLength(0);
    expect(history[1]!.checkpoint.channel_values.messages).toHaveLength(599);
  });

  it("a reopened store continues the chain with deltas against what it read back", async () => {
    const dir = tempDir();
    let { saver } = openSaver(dir);
    for (let turn = 1; turn <= 50; turn++) await simulateTurn(saver, "t", turn);
    const before = saver.threadBytes("t");
    await saver.close();
    ({ saver } = openSaver(dir));
    for (let turn = 51; turn <= 100; turn++) await simulateTurn(saver, "t", turn);
    const grown = saver.threadBytes("t") - before;
    expect(grown).toBeLessThan(before * 1.3);
    expect(((await saver.getTuple(cfg("t")))!.checkpoint.channel_values.messages as unknown[]).length).toBe(200);
  });

  it("replacing or removing a message in the middle stores only the change, and reads back exactly", async () => {
    const { saver } = openSaver(tempDir());
    const history = Array.from({ length: 40 }, (_, i) => ({
      id: `m${i}`,
      role: "user",
      content: `message ${i} `.repeat(20),
    }));
    const first = makeCheckpoint({ messages: history });
    const c1 = await saver.put(cfg("t"), first, meta, { messages: 1 });
    const read = (await saver.getTuple(cfg("t")))!.checkpoint.channel_values.messages as typeof history;
    const edited = [...read.slice(0, 10), { ...read[10]!, content: "edited" }, ...read.slice(12)];
    const second = makeCheckpoint({ messages: edited }, { messages: 2 });
    const before = saver.threadBytes("t");
    await saver.put(c1, second, meta, { messages: 2 });
    expect(saver.threadBytes("t") - before).toBeLessThan(600);
    expect((await saver.getTuple(cfg("t")))!.checkpoint.channel_values.messages).toEqual(edited);
    expect((await saver.getTuple(cfg("t", first.id)))!.checkpoint.channel_values.messages).toEqual(history);
  });

  it("an element mutated after it was read is stored with its new content (values are compared, not trusted)", async () => {
    const { saver } = openSaver(tempDir());
    const c1 = await saver.put(
      cfg("t"),
      makeCheckpoint({ log: ["a", "b"], messages: [{ id: "1", content: "x" }] }),
      meta,
      { log: 1, messages: 1 },
    );
    const read = (await saver.getTuple(cfg("t")))!.checkpoint.channel_values;
    const grown = makeCheckpoint(
      { log: [...(read.log as string[]), "c"], messages: [{ id: "1", content: "y" }] },
      { log: 2, messages: 2 },
    );
    await saver.put(c1, grown, meta, { log: 2, messages: 2 });
    const reopened = openSaver(saver.directory).saver;
    expect((await reopened.getTuple(cfg("t")))!.checkpoint.channel_values).toEqual({
      log: ["a", "b", "c"],
      messages: [{ id: "1", content: "y" }],
    });
  });
});

describe("FileSaver deleteThread", () => {
  it("removes every byte of the thread and its catalog entry, in this and in a reopened instance", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir);
    for (let turn = 1; turn <= 30; turn++) await simulateTurn(saver, "big", turn);
    await simulateTurn(saver, "small", 1);
    await saver.setThreadInfo("big", { title: "Big one" });
    const threadsDir = join(dir, "threads");
    const withBig = bytesUnder(threadsDir);
    const bigBytes = saver.threadBytes("big");
    expect(bigBytes).toBeGreaterThan(10_000);
    await saver.deleteThread("big");
    expect(bytesUnder(threadsDir)).toBe(withBig - bigBytes);
    expect(readdirSync(threadsDir).some((name) => name.startsWith("t-big"))).toBe(false);
    expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["small"]);
    // No file in the store still holds the thread's id or title (the catalog was rewritten without them).
    const leftovers = (function walk(d: string): string[] {
      return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
      );
    })(dir).filter((path) => /"big"|Big one/.test(readFileSync(path, "latin1")));
    expect(leftovers).toEqual([]);
    const reopened = openSaver(dir).saver;
    expect((await reopened.listThreads()).map((t) => t.threadId)).toEqual(["small"]);
    expect(await reopened.getTuple(cfg("big"))).toBeUndefined();
    expect(await reopened.getThreadInfo("big")).toBeUndefined();
  });
});

describe("FileSaver across instances and locks", () => {
  it("a second instance on the same directory sees the first one's writes as they happen", async () => {
    const dir = tempDir();
    const a = openSaver(dir, { compactBytes: 2048 }).saver;
    const b = openSaver(dir, { compactBytes: 2048 }).saver;
    for (let turn = 1; turn <= 12; turn++) {
      await simulateTurn(turn % 2 ? a : b, "shared", turn);
      for (const reader of [a, b]) {
        expect(((await reader.getTuple(cfg("shared")))!.checkpoint.channel_values.messages as unknown[]).length).toBe(
          turn * 2,
        );
      }
    }
    await a.setThreadInfo("shared", { title: "from a" });
    expect((await b.getThreadInfo("shared"))?.title).toBe("from a");
    expect(await collect(b.list(cfg("shared")))).toHaveLength(36);
  });

  it("a run lock held by one instance makes the other's lockThread and writes fail with ThreadBusyError", async () => {
    const dir = tempDir();
    const a = openSaver(dir).saver;
    const b = openSaver(dir, { lockWaitMs: 50 }).saver;
    const lock = await a.lockThread("t");
    await expect(b.lockThread("t")).rejects.toBeInstanceOf(ThreadBusyError);
    await expect(b.put(cfg("t"), makeCheckpoint({ a: 1 }), meta, { a: 1 })).rejects.toMatchObject({
      code: "THREAD_BUSY",
    });
    await expect(b.deleteThread("t")).rejects.toBeInstanceOf(ThreadBusyError);
    await a.put(cfg("t"), makeCheckpoint({ a: 1 }), meta, { a: 1 });
    await lock.release();
    const again = await b.lockThread("t");
    await b.put(cfg("t"), makeCheckpoint({ a: 2 }), meta, { a: 2 });
    await again.release();
    expect((await a.getTuple(cfg("t")))?.checkpoint.channel_values).toEqual({ a: 2 });
  });

  it("breaks a stale lock left by a process that no longer exists", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir);
    await saver.listThreads(); // creates the layout
    const dead = {
      pid: 2 ** 22 + 12345,
      host: (await import("node:os")).hostname(),
      token: "x",
      kind: "run",
      at: new Date().toISOString(),
    };
    const lockFile = join(dir, "locks", `${threadFileStem("t")}.lock`);
    writeFileSync(lockFile, JSON.stringify(dead));
    const lock = await saver.lockThread("t");
    // The lock is now this process's, and it really excludes another instance until released.
    expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ pid: process.pid, kind: "run" });
    const other = openSaver(dir, { lockWaitMs: 50 }).saver;
    await expect(other.lockThread("t")).rejects.toBeInstanceOf(ThreadBusyError);
    await lock.release();
    await (await other.lockThread("t")).release();
    await other.close();
  });

  it("close releases held run locks so another instance can take the thread", async () => {
    const dir = tempDir();
    const a = openSaver(dir).saver;
    await a.lockThread("t");
    const b = openSaver(dir, { lockWaitMs: 50 }).saver;
    await expect(b.lockThread("t")).rejects.toBeInstanceOf(ThreadBusyError);
    await a.close();
    const lock = await b.lockThread("t");
    await b.put(cfg("t"), makeCheckpoint({ a: 1 }), meta, { a: 1 });
    expect((await b.getTuple(cfg("t")))?.checkpoint.channel_values).toEqual({ a: 1 });
    await lock.release();
    await b.close();
  });
});

describe("FileSaver fast open (head cache)", () => {
  const count = async (saver: ReturnType<typeof openSaver>["saver"]) =>
    ((await saver.getTuple(cfg("t")))!.checkpoint.channel_values.messages as unknown[]).length;

  it("a reopened thread serves its head from the cache, and falls back to a full load for anything else", async () => {
    const dir = tempDir();
    const first = openSaver(dir, { compactBytes: 4096 }).saver;
    for (let turn = 1; turn <= 20; turn++) await simulateTurn(first, "t", turn);
    await first.close();
    const { saver, warnings } = openSaver(dir, { compactBytes: 4096 });
    expect(await count(saver)).toBe(40);
    expect((saver as unknown as { cache: { peek(id: string): { partial: boolean } } }).cache.peek("t")!.partial).toBe(
      true,
    );
    await simulateTurn(saver, "t", 21); // a put on the head stays on the fast path
    expect(await collect(saver.list(cfg("t")))).toHaveLength(63);
    expect(warnings).toEqual([]);
    await saver.close();
    const again = openSaver(dir).saver;
    expect(await count(again)).toBe(42);
    expect(await collect(again.list(cfg("t")))).toHaveLength(63);
  });

  it("a stale or damaged head cache is ignored: records written after it are all seen", async () => {
    const dir = tempDir();
    const a = openSaver(dir).saver;
    for (let turn = 1; turn <= 3; turn++) await simulateTurn(a, "t", turn);
    await a.close(); // writes the head cache at 6 messages
    const b = openSaver(dir).saver;
    await simulateTurn(b, "t", 4); // never closed: the cache on disk is now stale
    expect(await count(openSaver(dir).saver)).toBe(8);
    writeFileSync(join(dir, "threads", `${threadFileStem("t")}.head`), "{not json");
    expect(await count(openSaver(dir).saver)).toBe(8);
  });

  it("a window holding a fast-opened thread sees another window's new turns", async () => {
    const dir = tempDir();
    const a = openSaver(dir).saver;
    for (let turn = 1; turn <= 3; turn++) await simulateTurn(a, "t", turn);
    await a.close();
    const reader = openSaver(dir).saver;
    expect(await count(reader)).toBe(6);
    const writer = openSaver(dir).saver;
    await simulateTurn(writer, "t", 4);
    expect(await count(reader)).toBe(8);
    await simulateTurn(reader, "t", 5);
    expect(await count(writer)).toBe(10);
    expect(await collect(reader.list(cfg("t")))).toHaveLength(15);
  });
});

describe("FileSaver thread cache", () => {
  it("evicting loaded threads (a small cache) keeps every thread correct, readable and writable", async () => {
    const dir = tempDir();
    const { saver, warnings } = openSaver(dir, { cacheThreads: 2, compactBytes: 2048 });
    for (let round = 1; round <= 3; round++) {
      for (const id of ["a", "b", "c", "d", "e"]) await simulateTurn(saver, id, round);
    }
    for (const id of ["a", "b", "c", "d", "e"]) {
      const messages = (await saver.getTuple(cfg(id)))!.checkpoint.channel_values.messages as TurnMessage[];
      expect(messages.map((m) => m.content.slice(0, 8))).toEqual([
        "turn 1: ",
        "reply 1:",
        "turn 2: ",
        "reply 2:",
        "turn 3: ",
        "reply 3:",
      ]);
    }
    expect((await collect(saver.list({}))).length).toBe(5 * 9);
    expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["e", "d", "c", "b", "a"]);
    expect(warnings).toEqual([]);
  });
});
