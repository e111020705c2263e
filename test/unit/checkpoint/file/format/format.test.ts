import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STORE_VERSION, StoreFormatError } from "../../../../../src/checkpoint/file";
import { openFormat } from "../../../../../src/checkpoint/file/format/format";
import { cfg, collect, openSaver, tempDir } from "../helpers";

const FIXTURE = join(__dirname, "../../../../fixtures/store/v1");

function copyFixture(): string {
  const dir = join(tempDir(), "store");
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe("FileSaver on-disk format", () => {
  it("opens the checked-in v1 store: checkpoints, pending writes, catalog and all", async () => {
    const dir = copyFixture();
    const { saver, warnings } = openSaver(dir);
    const head = (await saver.getTuple(cfg("1")))!;
    expect(head.checkpoint.channel_values.messages).toEqual([
      { id: "m1", role: "user", content: "hi! I'm bob" },
      { id: "m2", role: "assistant", content: "Hi Bob! How can I help?" },
      { id: "m3", role: "user", content: "what's my name?" },
      { id: "m4", role: "assistant", content: "Your name is Bob." },
    ]);
    expect(head.metadata).toEqual({ source: "loop", step: 2, parents: {} });
    const history = await collect(saver.list(cfg("1")));
    expect(history.map((t) => t.checkpoint.id.slice(-1))).toEqual(["3", "2", "1", "0"]);
    expect(history[1]!.checkpoint.channel_values).toEqual({
      messages: (head.checkpoint.channel_values.messages as unknown[]).slice(0, 3),
      "branch:to:call_model": null,
    });
    expect(history[1]!.pendingWrites).toEqual([
      ["task-3", "messages", [{ id: "m4", role: "assistant", content: "Your name is Bob." }]],
    ]);
    expect(await saver.listThreads()).toMatchObject([
      { threadId: "2" },
      { threadId: "1", title: "Bob", metadata: { pinned: true } },
    ]);
    expect(((await saver.getTuple(cfg("2")))!.checkpoint.channel_values.messages as unknown[]).length).toBe(1);
    expect(warnings).toEqual([]);
    // …and keeps working on it.
    await saver.setThreadInfo("1", { title: "Bob (continued)" });
    expect((await openSaver(dir).saver.getThreadInfo("1"))?.title).toBe("Bob (continued)");
  });

  it("every file names its format version", () => {
    expect(JSON.parse(readFileSync(join(FIXTURE, "skein-store.json"), "utf8"))).toEqual({
      format: "skein-file-store",
      version: STORE_VERSION,
    });
    const header = JSON.parse(readFileSync(join(FIXTURE, "catalog.log"), "utf8").split("\n")[0]!);
    expect(header.r).toEqual({ op: "hdr", v: 1 });
    const threadHeader = JSON.parse(readFileSync(join(FIXTURE, "threads", "t-2.log"), "utf8").split("\n")[0]!);
    expect(threadHeader.r).toMatchObject({ t: "h", v: 1, thread: "2" });
  });

  it("refuses a store written by a newer Skein, and leaves it untouched", async () => {
    const dir = copyFixture();
    writeFileSync(join(dir, "skein-store.json"), JSON.stringify({ format: "skein-file-store", version: 99 }));
    const before = readFileSync(join(dir, "threads", "t-1.log"));
    const { saver } = openSaver(dir);
    await expect(saver.listThreads()).rejects.toBeInstanceOf(StoreFormatError);
    await expect(saver.getTuple(cfg("1"))).rejects.toThrow(/newer Skein \(format v99; this version reads up to v1\)/);
    expect(readFileSync(join(dir, "threads", "t-1.log"))).toEqual(before);
  });

  it("refuses to turn a foreign non-empty directory into a store", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "notes.txt"), "mine");
    await expect(openSaver(dir).saver.listThreads()).rejects.toMatchObject({ code: "STORE_FORMAT" });
  });

  it("runs migrations step by step and records each finished step", () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "skein-store.json"), JSON.stringify({ format: "skein-file-store", version: 1 }));
    const ran: number[] = [];
    const migrations = {
      1: (d: string) => {
        ran.push(1);
        writeFileSync(join(d, "v2-marker"), "x");
      },
      2: () => ran.push(2),
    };
    expect(openFormat(dir, migrations, 3)).toEqual({ migratedFrom: 1 });
    expect(ran).toEqual([1, 2]);
    expect(existsSync(join(dir, "v2-marker"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "skein-store.json"), "utf8")).version).toBe(3);
    expect(openFormat(dir, migrations, 3)).toEqual({});
    writeFileSync(join(dir, "skein-store.json"), JSON.stringify({ format: "skein-file-store", version: 1 }));
    expect(() => openFormat(dir, {}, 2)).toThrow(/No migration from store format v1 to v2/);
  });
});
