/**
 * Damaged, missing and unusual files, and locks left behind: each is reported, loses nothing that is intact,
 * never changes a thread silently, and leaves the store usable.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { threadFileStem } from "../../../../src/checkpoint/file";
import { encodeLine } from "../../../../src/checkpoint/file/format/frame";
import { cfg, collect, openSaver, tempDir } from "./helpers";
import { simulateTurn, type TurnMessage } from "./workload";

const file = (dir: string, id: string, ext: string) => join(dir, "threads", `${threadFileStem(id)}.${ext}`);
const messagesOf = async (saver: ReturnType<typeof openSaver>["saver"], id: string) =>
  ((await saver.getTuple(cfg(id)))?.checkpoint.channel_values.messages as TurnMessage[] | undefined) ?? [];

/** Paths under `dir` whose bytes contain `text` (gzip frames are checked inflated too: zcat would show them). */
function filesContaining(dir: string, text: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const bytes = readFileSync(path);
    let plain = bytes.toString("latin1");
    try {
      plain += gunzipSync(bytes).toString("latin1");
    } catch {
      /* not gzip */
    }
    if (plain.includes(text)) out.push(path);
  }
  return out;
}

async function seeded(turns: number, options = {}): Promise<string> {
  const dir = tempDir();
  const { saver } = openSaver(dir, options);
  for (let turn = 1; turn <= turns; turn++) await simulateTurn(saver, "a", turn);
  await simulateTurn(saver, "b", 1);
  await saver.close();
  return dir;
}

describe("thread ids", () => {
  it("ids that are not well-formed Unicode are refused: two lone surrogates would share one file", async () => {
    const { saver } = openSaver(tempDir());
    for (const id of ["user-\uD800", "user-\uDC00", "\uDE00\uD83D"]) {
      await expect(
        saver.put(
          cfg(id),
          { v: 4, id: "1", ts: "", channel_values: {}, channel_versions: {}, versions_seen: {} },
          { source: "input", step: -1, parents: {} },
          {},
        ),
      ).rejects.toMatchObject({
        code: "INVALID_THREAD_ID",
        message: expect.stringMatching(/not well-formed Unicode/),
      });
      await expect(saver.deleteThread(id)).rejects.toMatchObject({ code: "INVALID_THREAD_ID" });
    }
    await simulateTurn(saver, "user-\uD83D\uDE00", 1); // a surrogate pair is fine
    expect((await messagesOf(saver, "user-\uD83D\uDE00")).length).toBe(2);
  });
});

describe("missing files", () => {
  it("a pack without its log is an existing thread: reported, and numbering continues after the pack", async () => {
    const dir = await seeded(30, { compactBytes: 4096 });
    const before = await messagesOf(openSaver(dir).saver, "a");
    unlinkSync(file(dir, "a", "log"));
    const { saver, warnings } = openSaver(dir);
    const kept = await messagesOf(saver, "a");
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(before.slice(0, kept.length)); // the pack's history, unchanged
    expect(warnings.map((w) => [w.code, w.threadId])).toEqual([["MISSING_LOG", "a"]]);
    const history = await collect(saver.list(cfg("a")));
    await simulateTurn(saver, "a", 31);
    await saver.close();
    const again = openSaver(dir);
    const after = await messagesOf(again.saver, "a");
    expect(after).toEqual([...kept, ...after.slice(kept.length)]);
    expect(after.slice(kept.length).map((m) => m.content.slice(0, 8))).toEqual(["turn 31:", "reply 31"]);
    // Every checkpoint from the pack is still there, unchanged (a restart from 0 would have replaced them).
    const historyAfter = await collect(again.saver.list(cfg("a")));
    for (const old of history) {
      expect(historyAfter.find((t) => t.checkpoint.id === old.checkpoint.id)?.checkpoint.channel_values).toEqual(
        old.checkpoint.channel_values,
      );
    }
    expect((await again.saver.listThreads()).map((t) => t.threadId).sort()).toEqual(["a", "b"]);
  });

  it("every combination of missing log, pack, head and catalog: what is left is read, reported, and usable", async () => {
    const kinds = ["log", "pack", "head", "catalog"] as const;
    for (let mask = 1; mask < 1 << kinds.length; mask++) {
      const dir = await seeded(30, { compactBytes: 4096 });
      const full = await messagesOf(openSaver(dir).saver, "a");
      const gone = kinds.filter((_, i) => mask & (1 << i));
      for (const kind of gone)
        rmSync(kind === "catalog" ? join(dir, "catalog.log") : file(dir, "a", kind), { force: true });
      const { saver, warnings } = openSaver(dir);
      const left = await messagesOf(saver, "a");
      // Whatever is left is a prefix-free subset of the thread as written, never something else.
      for (const m of left) expect(full.some((f) => f.id === m.id && f.content === m.content)).toBe(true);
      if (gone.includes("log") && !gone.includes("pack"))
        expect(warnings.some((w) => w.code === "MISSING_LOG")).toBe(true);
      if (gone.includes("catalog")) expect(warnings.some((w) => w.code === "CATALOG_REBUILT")).toBe(true);
      if (!gone.includes("log") && !gone.includes("pack")) expect(left).toEqual(full);
      expect((await messagesOf(saver, "b")).length).toBe(2);
      await simulateTurn(saver, "a", 99);
      expect((await messagesOf(saver, "a")).slice(-2).map((m) => m.content.slice(0, 8))).toEqual([
        "turn 99:",
        "reply 99",
      ]);
      await saver.close();
      expect([gone.join("+"), (await openSaver(dir).saver.listThreads()).map((t) => t.threadId).sort()]).toEqual([
        gone.join("+"),
        ["a", "b"],
      ]);
    }
  });
});

describe("damaged files", () => {
  it("a changed digit in the head cache fails its checksum: ignored with a warning, every message shown, the cache rewritten", async () => {
    const dir = await seeded(30, { compactBytes: 4096 });
    const head = file(dir, "a", "head");
    const text = readFileSync(head, "utf8");
    const at = text.search(/"r":\[0,\d+\]/);
    expect(at).toBeGreaterThan(0);
    writeFileSync(head, text.slice(0, at) + text.slice(at).replace('"r":[0,', '"r":[1,'));
    const { saver, warnings } = openSaver(dir);
    expect(await messagesOf(saver, "a")).toHaveLength(60);
    expect(warnings.map((w) => [w.code, w.threadId])).toEqual([["HEAD_CACHE_IGNORED", "a"]]);
    await saver.close();
    const again = openSaver(dir);
    expect(await messagesOf(again.saver, "a")).toHaveLength(60);
    expect(again.warnings).toEqual([]);
  });

  it("a symlinked log is never written through: its torn tail is left alone (reported) and writes are refused clearly", async () => {
    const dir = await seeded(2);
    const log = file(dir, "a", "log");
    const outside = join(tempDir(), "elsewhere.log");
    writeFileSync(outside, readFileSync(log));
    appendFileSync(outside, '{"k":"0badc0de","r":{"s":999');
    const size = statSync(outside).size;
    unlinkSync(log);
    symlinkSync(outside, log);
    const { saver, warnings } = openSaver(dir);
    expect(await messagesOf(saver, "a")).toHaveLength(4);
    expect(statSync(outside).size).toBe(size);
    await expect(simulateTurn(saver, "a", 3)).rejects.toMatchObject({ code: "LINKED_STORE_FILE" });
    expect(statSync(outside).size).toBe(size);
    expect(warnings.some((w) => w.code === "LINKED_FILE" && w.threadId === "a")).toBe(true);
    await simulateTurn(saver, "b", 2); // the rest of the store works
  });
});

describe("the catalog and the format marker", () => {
  it("catalog.log replaced by a directory: moved aside with a warning and rebuilt; the store works", async () => {
    const dir = await seeded(1);
    rmSync(join(dir, "catalog.log"));
    mkdirSync(join(dir, "catalog.log"));
    const { saver, warnings } = openSaver(dir);
    expect((await saver.listThreads()).map((t) => t.threadId).sort()).toEqual(["a", "b"]);
    expect(warnings.map((w) => w.code)).toEqual(["CATALOG_UNUSABLE", "CATALOG_REBUILT"]);
    expect(statSync(join(dir, "catalog.log")).isFile()).toBe(true);
  });

  it("an empty or header-only catalog beside thread files is rebuilt with a warning", async () => {
    for (const content of ["", encodeLine(JSON.stringify({ op: "hdr", v: 1 }))]) {
      const dir = await seeded(1);
      writeFileSync(join(dir, "catalog.log"), content);
      const { saver, warnings } = openSaver(dir);
      expect((await saver.listThreads()).map((t) => t.threadId).sort()).toEqual(["a", "b"]);
      expect(warnings.map((w) => w.code)).toEqual(["CATALOG_REBUILT"]);
    }
  });

  it("a marker file holding null is refused with the store's own error, not a TypeError", async () => {
    const dir = await seeded(1);
    writeFileSync(join(dir, "skein-store.json"), "null");
    const { saver } = openSaver(dir);
    await expect(saver.listThreads()).rejects.toMatchObject({
      code: "STORE_FORMAT",
      message: expect.stringMatching(/holds null/),
    });
  });

  it("megabytes of thread metadata are written once: later updates write only the keys they change", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir);
    const big = { imported: "x".repeat(1_000_000) };
    await simulateTurn(saver, "a", 1);
    await saver.setThreadInfo("a", { title: "Big", metadata: big });
    const bytes = () => statSync(file(dir, "a", "log")).size + statSync(join(dir, "catalog.log")).size;
    const before = bytes();
    for (let n = 1; n <= 5; n++)
      await saver.setThreadInfo("a", {
        metadata: { messageCount: n, lastMessagePreview: `p${n}`, gone: n < 5 ? 1 : undefined },
      });
    expect(bytes() - before).toBeLessThan(5 * 2_000);
    const expected = { imported: big.imported, messageCount: 5, lastMessagePreview: "p5" };
    expect((await saver.getThreadInfo("a"))?.metadata).toEqual(expected);
    expect((await saver.getThreadInfo("a"))?.title).toBe("Big");
    await saver.close();
    expect((await openSaver(dir).saver.getThreadInfo("a"))?.metadata).toEqual(expected);
    rmSync(join(dir, "catalog.log"));
    const rebuilt = await openSaver(dir).saver.getThreadInfo("a");
    expect(rebuilt).toMatchObject({ title: "Big", metadata: expected });
  });
});

describe("deleting across windows", () => {
  it("a window that had the thread open does not bring back its head cache or its catalog entry when it closes", async () => {
    const dir = await seeded(2);
    const other = openSaver(dir, { leaseMs: 0 }).saver;
    await simulateTurn(other, "a", 3); // the other window wrote: it would save a head cache on close
    await other.setThreadInfo("a", { title: "Secret title", metadata: { lastMessagePreview: "secret preview" } });
    const { saver } = openSaver(dir);
    await saver.deleteThread("a");
    await other.close();
    expect(existsSync(file(dir, "a", "head"))).toBe(false);
    expect(existsSync(file(dir, "a", "log"))).toBe(false);
    const fresh = openSaver(dir).saver;
    expect((await fresh.listThreads()).map((t) => t.threadId)).toEqual(["b"]);
    expect(filesContaining(dir, "secret")).toEqual([]);
  });
});

describe("locks left behind", () => {
  const lockOf = (dir: string, id: string) => join(dir, "locks", `${threadFileStem(id)}.lock`);
  const leave = (dir: string, owner: { pid: number; host: string }, ageMs: number) => {
    mkdirSync(join(dir, "locks"), { recursive: true });
    const path = lockOf(dir, "a");
    writeFileSync(path, JSON.stringify({ ...owner, token: "left-behind", kind: "run", at: new Date().toISOString() }));
    const then = new Date(Date.now() - ageMs);
    utimesSync(path, then, then);
  };

  it("a run lock from another host is busy while renewed, with a way out in the message, and expires when not renewed", async () => {
    const dir = await seeded(1);
    leave(dir, { pid: 4242, host: "a-laptop-on-another-network" }, 1_000);
    const { saver } = openSaver(dir);
    const busy = await saver.lockThread("a").then(
      () => undefined,
      (error: Error) => error,
    );
    expect(busy).toMatchObject({ code: "THREAD_BUSY" });
    expect(busy!.message).toMatch(/process 4242 on a-laptop-on-another-network/);
    expect(busy!.message).toMatch(/its lock expires by itself within (29|30) s: send again then/);
    leave(dir, { pid: 4242, host: "a-laptop-on-another-network" }, 60_000);
    const lock = await saver.lockThread("a");
    await simulateTurn(saver, "a", 2);
    await lock.release();
    await saver.close();
  });

  it("a run lock whose pid now belongs to an unrelated live process expires too", async () => {
    const dir = await seeded(1);
    leave(dir, { pid: process.ppid, host: hostname() }, 1_000);
    const { saver } = openSaver(dir);
    await expect(saver.deleteThread("a")).rejects.toMatchObject({ code: "THREAD_BUSY" });
    leave(dir, { pid: process.ppid, host: hostname() }, 60_000);
    await saver.deleteThread("a");
    expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["b"]);
  });
});
