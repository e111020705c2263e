import { mkdtemp, readFile, rm, appendFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemorySaver } from "../../../../src/checkpoint/memory";
import type { CheckpointConfig } from "../../../../src/checkpoint/types";
import { ThreadSearchIndex } from "../../../../src/chat/history/search";
import { fold, makeSnippet, parseQuery } from "../../../../src/chat/history/searchText";
import { assistant, clockTick, putMessages, user } from "./storeHelpers";

/** A real MemorySaver that counts head reads, to prove searches don't reload unchanged threads. */
class CountingSaver extends MemorySaver {
  reads = 0;
  override async getTuple(config: CheckpointConfig) {
    this.reads++;
    return super.getTuple(config);
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "skein-search-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function seed(saver: MemorySaver) {
  await putMessages(saver, "t1", [
    user("u1", "How do I configure the Webpack dev server?"),
    assistant("a1", "Use `devServer.port` in webpack.config.js."),
  ]);
  await saver.setThreadInfo("t1", { title: "Webpack setup" });
  await putMessages(saver, "t2", [
    user("u2", "Explain Rust lifetimes"),
    assistant("a2", "Lifetimes tell the borrow checker how long references live."),
  ]);
  await saver.setThreadInfo("t2", { title: "Rust questions" });
  await clockTick();
}

describe("ThreadSearchIndex", () => {
  it("finds message text case-insensitively with a snippet and the message to scroll to", async () => {
    const saver = new MemorySaver();
    await seed(saver);
    const index = new ThreadSearchIndex(saver);
    const result = await index.search("BORROW checker");
    expect(result.total).toBe(1);
    expect(result.hits[0]).toMatchObject({
      threadId: "t2",
      title: "Rust questions",
      messageId: "a2",
      role: "assistant",
    });
    const hit = result.hits[0]!;
    for (const [start, end] of hit.snippet.highlights)
      expect(["borrow", "checker"]).toContain(hit.snippet.text.slice(start, end).toLowerCase());
    expect(hit.snippet.text).toContain("borrow checker");
  });

  it("matches titles as thread hits without a message id, and needs every term in one message", async () => {
    const saver = new MemorySaver();
    await seed(saver);
    const index = new ThreadSearchIndex(saver);
    const byTitle = await index.search("webpack");
    expect(byTitle.hits.map((h) => [h.threadId, h.messageId])).toEqual([
      ["t1", undefined],
      ["t1", "u1"],
      ["t1", "a1"],
    ]);
    expect((await index.search("webpack lifetimes")).total).toBe(0);
    expect((await index.search('"dev server"')).hits.map((h) => h.messageId)).toEqual(["u1"]);
    expect((await index.search("   ")).hits).toEqual([]);
  });

  it("picks up new turns, renames and deletions, re-reading only the threads that changed", async () => {
    const saver = new CountingSaver();
    await seed(saver);
    saver.reads = 0;
    const index = new ThreadSearchIndex(saver);
    await index.search("anything");
    expect(saver.reads).toBe(2);
    saver.reads = 0;
    await index.search("anything");
    expect(saver.reads).toBe(0);

    await putMessages(saver, "t1", [
      user("u1", "How do I configure the Webpack dev server?"),
      assistant("a1", "Use `devServer.port` in webpack.config.js."),
      user("u3", "And hot module replacement?"),
    ]);
    await clockTick();
    saver.reads = 0;
    expect((await index.search("hot module")).hits.map((h) => h.messageId)).toEqual(["u3"]);
    expect(saver.reads).toBe(1);

    await saver.setThreadInfo("t2", { title: "Ownership and lifetimes" });
    expect((await index.search("ownership")).hits.map((h) => h.threadId)).toEqual(["t2"]);

    await saver.deleteThread("t2");
    expect((await index.search("lifetimes")).total).toBe(0);
  });

  it("keeps text of messages that left the head (another branch is shown) findable", async () => {
    const saver = new MemorySaver();
    await putMessages(saver, "t", [user("u1", "first question"), assistant("a1", "an answer about zebras")]);
    const index = new ThreadSearchIndex(saver);
    expect((await index.search("zebras")).total).toBe(1);
    await putMessages(saver, "t", [user("u1", "first question"), assistant("a1b", "an answer about giraffes")]);
    expect((await index.search("zebras")).hits.map((h) => h.messageId)).toEqual(["a1"]);
    expect((await index.search("giraffes")).hits.map((h) => h.messageId)).toEqual(["a1b"]);
  });

  it("limits hits per thread and in total but counts every match", async () => {
    const saver = new MemorySaver();
    const messages = Array.from({ length: 10 }, (_, i) => user(`m${i}`, `needle number ${i}`));
    await putMessages(saver, "t", messages);
    const index = new ThreadSearchIndex(saver);
    const result = await index.search("needle", { perThread: 2 });
    expect(result.total).toBe(10);
    expect(result.hits.map((h) => h.messageId)).toEqual(["m0", "m1"]);
    expect((await index.search("needle", { perThread: 100, limit: 4 })).hits).toHaveLength(4);
  });

  it("persists to its file so a fresh window needs no store reads, and survives a torn tail", async () => {
    const file = join(dir, "search.jsonl");
    const saver = new CountingSaver();
    await seed(saver);
    await new ThreadSearchIndex(saver, { file }).search("x");
    saver.reads = 0;

    const fresh = new ThreadSearchIndex(saver, { file });
    expect((await fresh.search("borrow")).hits.map((h) => h.messageId)).toEqual(["a2"]);
    expect(saver.reads).toBe(0);

    await appendFile(file, '{"t":"t1","u":"2099-01-01T00:00:00.000Z","m":[["zz","user","tor');
    const afterCrash = new ThreadSearchIndex(saver, { file });
    expect((await afterCrash.search("webpack.config")).hits.map((h) => h.messageId)).toEqual(["a1"]);
    expect(saver.reads).toBe(0);
  });

  it("removes a deleted thread's text from the file at once, and when a search finds it gone", async () => {
    const file = join(dir, "search.jsonl");
    const saver = new MemorySaver();
    await seed(saver);
    const index = new ThreadSearchIndex(saver, { file });
    await index.search("x");
    expect(await readFile(file, "utf8")).toContain("borrow checker");
    await saver.deleteThread("t2");
    await index.remove(["t2"]);
    expect(await readFile(file, "utf8")).not.toContain("borrow checker");
    expect((await index.search("lifetimes")).total).toBe(0);

    // Deleted behind its back (another window): the next search rewrites the file without it.
    await saver.deleteThread("t1");
    expect((await index.search("webpack")).total).toBe(0);
    expect(await readFile(file, "utf8")).not.toContain("devServer");
    // A fresh index over the removed-from file (not yet loaded) also purges on remove().
    await seed(saver);
    await new ThreadSearchIndex(saver, { file }).search("x");
    await saver.deleteThread("t2");
    await new ThreadSearchIndex(saver, { file }).remove(["t2"]);
    expect(await readFile(file, "utf8")).not.toContain("borrow checker");
  });

  it("rebuilds from the store when the file is damaged in the middle or of another version", async () => {
    const file = join(dir, "search.jsonl");
    const saver = new CountingSaver();
    await seed(saver);
    await new ThreadSearchIndex(saver, { file }).search("x");
    const lines = (await readFile(file, "utf8")).split("\n");
    lines.splice(1, 1, "{garbage");
    await writeFile(file, lines.join("\n"));
    saver.reads = 0;
    const index = new ThreadSearchIndex(saver, { file });
    expect((await index.search("lifetimes")).total).toBe(2);
    expect(saver.reads).toBe(2);

    await writeFile(file, '{"v":999}\n');
    saver.reads = 0;
    expect((await new ThreadSearchIndex(saver, { file }).search("lifetimes")).total).toBe(2);
    expect(saver.reads).toBe(2);
  });

  it("indexes text blocks and tool names, not images, and ignores malformed stored messages", async () => {
    const saver = new MemorySaver();
    await putMessages(saver, "t", [
      {
        id: "b1",
        role: "user",
        content: [
          { type: "text", text: "look at this" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "QUJDREVG" } },
        ],
      },
      { id: "b2", role: "assistant", content: "", tool_calls: [{ id: "c1", name: "read_file", args: {} }] },
      null as never,
    ]);
    const index = new ThreadSearchIndex(saver);
    expect((await index.search("read_file")).hits.map((h) => h.messageId)).toEqual(["b2"]);
    expect((await index.search("QUJD")).total).toBe(0);
  });
});

describe("search text helpers", () => {
  it("folds case without moving offsets", () => {
    expect(fold("HeLLo")).toBe("hello");
    const tricky = "Ärger İstanbul";
    expect(fold(tricky)).toHaveLength(tricky.length);
    expect(fold(tricky).startsWith("ärger")).toBe(true);
  });

  it("parses terms and quoted phrases, longest first", () => {
    expect(parseQuery('a "Dev Server" config a')).toEqual(["dev server", "config", "a"]);
  });

  it("cuts a one-line snippet around the match with ellipses and highlights", () => {
    const text = "x".repeat(200) + " The\nNeedle   is here " + "y".repeat(200);
    const snippet = makeSnippet(text, fold(text), ["needle"], 60);
    expect(snippet.text.startsWith("…")).toBe(true);
    expect(snippet.text.endsWith("…")).toBe(true);
    expect(snippet.text).toContain("The Needle is here");
    const [start, end] = snippet.highlights[0]!;
    expect(snippet.text.slice(start, end)).toBe("Needle");
  });
});
