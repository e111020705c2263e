import { appendFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { threadFileStem } from "../../../../src/checkpoint/file";
import { cfg, collect, openSaver, tempDir } from "./helpers";
import { simulateTurn, type TurnMessage } from "./workload";

const logOf = (dir: string, id: string) => join(dir, "threads", `${threadFileStem(id)}.log`);
const packOf = (dir: string, id: string) => join(dir, "threads", `${threadFileStem(id)}.pack`);
const messageCount = async (saver: ReturnType<typeof openSaver>["saver"], id: string) =>
  ((await saver.getTuple(cfg(id)))?.checkpoint.channel_values.messages as TurnMessage[] | undefined)?.length ?? 0;

/** A store with two threads of `turns` turns each; "a" titled. */
async function seeded(turns: number, compactBytes = 1 << 30): Promise<string> {
  const dir = tempDir();
  const { saver } = openSaver(dir, { compactBytes });
  for (let turn = 1; turn <= turns; turn++) {
    await simulateTurn(saver, "a", turn);
    await simulateTurn(saver, "b", turn);
  }
  await saver.setThreadInfo("a", { title: "Alpha", metadata: { pinned: true } });
  await saver.close();
  return dir;
}

describe("FileSaver recovery", () => {
  it("a torn last record is dropped with a warning, the file repaired, and the thread continues", async () => {
    const dir = await seeded(3);
    appendFileSync(logOf(dir, "a"), '{"k":"0badc0de","r":{"s":999,"t":"c","ns":"","id":"zz'); // a write cut off mid-line
    const { saver, warnings } = openSaver(dir);
    expect(await messageCount(saver, "a")).toBe(6);
    expect(warnings.map((w) => w.code)).toEqual(["TORN_TAIL"]);
    expect(warnings[0]!.message).toMatch(/Thread "a": removed \d+ bytes of an unfinished/);
    await simulateTurn(saver, "a", 4);
    const again = openSaver(dir);
    expect(await messageCount(again.saver, "a")).toBe(8);
    expect(await messageCount(again.saver, "b")).toBe(6);
    expect(again.warnings).toEqual([]);
  });

  it("garbage lines at the end are cut off; a corrupt line in the middle is skipped and reported", async () => {
    const dir = await seeded(2);
    appendFileSync(logOf(dir, "b"), "not json at all\n\u0000\u0001garbage\n");
    const first = openSaver(dir);
    expect(await messageCount(first.saver, "b")).toBe(4);
    expect(first.warnings.map((w) => w.code)).toEqual(["TORN_TAIL"]);

    // Flip one byte inside a record in the middle (the writes of turn 1): the checksum catches it.
    const path = logOf(dir, "a");
    const bytes = readFileSync(path);
    const starts = [0];
    bytes.forEach((byte, i) => byte === 0x0a && starts.push(i + 1));
    bytes[starts[2]! + 40] = bytes[starts[2]! + 40]! ^ 0x20;
    writeFileSync(path, bytes);
    const second = openSaver(dir);
    const tuples = await collect(second.saver.list(cfg("a")));
    expect(second.warnings.map((w) => [w.code, w.threadId])).toEqual([["CORRUPT_RECORD", "a"]]);
    expect(tuples).toHaveLength(6);
    expect(await messageCount(second.saver, "a")).toBe(4);
    expect(await messageCount(second.saver, "b")).toBe(4);
  });

  it("a corrupt checkpoint record costs only what depended on it, never the rest of the thread", async () => {
    const dir = await seeded(40);
    const path = logOf(dir, "a");
    const bytes = readFileSync(path);
    const starts = [0];
    bytes.forEach((byte, i) => byte === 0x0a && starts.push(i + 1));
    bytes[starts[3]! + 40] = bytes[starts[3]! + 40]! ^ 0x20; // the item record of turn 1's user message
    bytes[starts[4]! + 40] = bytes[starts[4]! + 40]! ^ 0x20; // the checkpoint that added it
    writeFileSync(path, bytes);
    const { saver, warnings } = openSaver(dir);
    const history = await collect(saver.list(cfg("a")));
    const codes = new Set(warnings.map((w) => w.code));
    expect(codes).toEqual(new Set(["CORRUPT_RECORD", "DROPPED_CHECKPOINT", "LOST_MESSAGES"]));
    expect(history.length).toBeGreaterThan(120 - 40);
    const head = (await saver.getTuple(cfg("a")))!.checkpoint.channel_values.messages as TurnMessage[];
    expect(head).toHaveLength(79);
    expect(head[0]!.content.startsWith("reply 1:")).toBe(true);
    expect(await messageCount(saver, "b")).toBe(80);
  });

  it("a truncated pack keeps every intact record and reports what was dropped", async () => {
    const dir = await seeded(40, 4096);
    const pack = packOf(dir, "a");
    const size = statSync(pack).size;
    truncateSync(pack, Math.floor(size * 0.75));
    const { saver, warnings } = openSaver(dir);
    const history = await collect(saver.list(cfg("a")));
    expect(history.length).toBeGreaterThan(0);
    expect(warnings.some((w) => w.code === "TORN_PACK_TAIL" && w.threadId === "a")).toBe(true);
    // What is left reads back consistently, and the other thread is untouched.
    for (const tuple of history) {
      const messages = (tuple.checkpoint.channel_values.messages as TurnMessage[] | undefined) ?? [];
      messages.forEach((m, i) => expect(m.content.startsWith(i % 2 === 0 ? "turn " : "reply ")).toBe(true));
    }
    expect(await messageCount(saver, "b")).toBe(80);
    await simulateTurn(saver, "a", 41);
    const again = openSaver(dir);
    await again.saver.getTuple(cfg("a"));
    // The tail was repaired once; records that depended on the lost frame are still reported, never thrown.
    expect(again.warnings.filter((w) => w.code === "TORN_PACK_TAIL")).toEqual([]);
    expect(await messageCount(again.saver, "a")).toBe(await messageCount(saver, "a"));
  });

  it("a corrupt frame in the middle of a pack is skipped; later frames still load", async () => {
    const dir = await seeded(40, 4096);
    const pack = packOf(dir, "b");
    const bytes = readFileSync(pack);
    bytes.fill(0x41, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 300);
    writeFileSync(pack, bytes);
    const { saver, warnings } = openSaver(dir);
    await saver.getTuple(cfg("b"));
    expect(warnings.some((w) => w.code === "CORRUPT_PACK" && w.threadId === "b")).toBe(true);
    expect(await messageCount(saver, "a")).toBe(80);
    const history = await collect(saver.list(cfg("b")));
    expect(history.length).toBeGreaterThan(60);
    expect((await saver.getTuple(cfg("b")))?.checkpoint.id).toBe(history[0]!.checkpoint.id);
  });

  it("a missing catalog is rebuilt from the thread files, titles and metadata included", async () => {
    const dir = await seeded(2);
    rmSync(join(dir, "catalog.log"));
    const { saver, warnings } = openSaver(dir);
    const threads = await saver.listThreads();
    expect(warnings.map((w) => w.code)).toEqual(["CATALOG_REBUILT"]);
    expect(threads.map((t) => t.threadId).sort()).toEqual(["a", "b"]);
    expect(threads.find((t) => t.threadId === "a")).toMatchObject({ title: "Alpha", metadata: { pinned: true } });
    const again = openSaver(dir);
    await again.saver.listThreads();
    expect(again.warnings).toEqual([]);
  });

  it("a corrupt catalog is rebuilt; a thread file with an unreadable header is reported and left alone", async () => {
    const dir = await seeded(2);
    const catalog = join(dir, "catalog.log");
    const bytes = readFileSync(catalog);
    bytes[30] = bytes[30]! ^ 0xff;
    writeFileSync(catalog, bytes);
    writeFileSync(join(dir, "threads", "t-junk.log"), "this is not a thread\n");
    const { saver, warnings } = openSaver(dir);
    expect((await saver.listThreads()).map((t) => t.threadId).sort()).toEqual(["a", "b"]);
    expect(warnings.map((w) => w.code).sort()).toEqual(["CATALOG_REBUILT", "UNREADABLE_THREAD"]);
    expect(statSync(join(dir, "threads", "t-junk.log")).size).toBeGreaterThan(0);
  });

  it("finishes a deletion that a crash interrupted, and never lists a half-created thread", async () => {
    const dir = await seeded(1);
    // Crash after the durable "del" intent, before the files were removed:
    const { encodeLine } = await import("../../../../src/checkpoint/file/format/frame");
    appendFileSync(join(dir, "catalog.log"), encodeLine(JSON.stringify({ op: "del", id: "b" })));
    // Crash after a creation intent whose thread file was never written (old enough to be settled):
    appendFileSync(
      join(dir, "catalog.log"),
      encodeLine(JSON.stringify({ op: "new", id: "ghost", at: "2020-01-01T00:00:00.000Z" })),
    );
    const { saver } = openSaver(dir);
    expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["a"]);
    expect(() => statSync(logOf(dir, "b"))).toThrow();
    expect(await saver.getTuple(cfg("b"))).toBeUndefined();
  });
});
