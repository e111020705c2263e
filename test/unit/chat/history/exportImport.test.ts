import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BaseCheckpointSaver } from "../../../../src/checkpoint/base";
import { MemorySaver } from "../../../../src/checkpoint/memory";
import { FileSaver } from "../../../../src/checkpoint/file";
import { createChatGraph } from "../../../../src/chat/chatGraph";
import { ThreadBranches } from "../../../../src/chat/history/branches";
import { exportThreadJson, exportThreadMarkdown, importThreadJson } from "../../../../src/chat/history/exportImport";
import { ThreadImportError } from "../../../../src/chat/history/exportImportJson";
import { messageText } from "../../../../src/graph/messages";
import { NumberedModel } from "./fakeModel";

const kinds = [
  { name: "MemorySaver", open: (_dir: string): BaseCheckpointSaver => new MemorySaver() },
  {
    name: "FileSaver",
    open: (dir: string): BaseCheckpointSaver => new FileSaver(dir, { fsync: false, onWarning: () => undefined }),
  },
];

describe.each(kinds)("export and import ($name)", (kind) => {
  let dir: string;
  let saver: BaseCheckpointSaver;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "skein-export-"));
    saver = kind.open(dir);
  });
  afterEach(async () => {
    await saver.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A thread with an edited question, a regenerated reply, and the middle branch shown. */
  async function branchedThread() {
    const model = new NumberedModel();
    const graph = createChatGraph({ model, checkpointer: saver });
    const branches = new ThreadBranches(saver, graph);
    const send = (text: string) =>
      graph.invoke({ messages: [{ role: "user", content: text }] }, { configurable: { thread_id: "t" } });
    await send("first question");
    await send("second question with ```code``` in it");
    let view = await branches.getBranchView("t");
    view = await branches.editUserMessage("t", view.messages[2]!.message.id, "second question, edited");
    view = await branches.regenerate("t", view.messages[3]!.message.id);
    await branches.switchBranch("t", view.messages[3]!.message.id, 0);
    await saver.setThreadInfo("t", { title: "Branchy", metadata: { pinned: true } });
    return { graph, branches, view: await branches.getBranchView("t") };
  }

  it("export → import → export is byte-identical, and the import has the same branches and shown branch", async () => {
    const { graph, branches, view } = await branchedThread();
    const context = { saver, graph };
    const json = await exportThreadJson(context, "t");
    const parsed = JSON.parse(json);
    expect(parsed.format).toBe("skein-thread");
    expect(parsed.messages).toHaveLength(7);
    expect(parsed.metadata).toEqual({ pinned: true, titleSource: "first-message" });

    const result = await importThreadJson(context, json, "imported");
    expect(result).toEqual({ threadId: "imported", title: "Branchy", messageCount: 4 });
    expect(await exportThreadJson(context, "imported")).toBe(json);

    const imported = await branches.getBranchView("imported");
    expect(imported.messages).toEqual(view.messages);
    expect((await saver.getThreadInfo("imported"))?.metadata.messageCount).toBe(4);
    // The import is a working thread: its branches switch like the original's.
    const switched = await branches.switchBranch("imported", imported.messages[2]!.message.id, 0);
    expect(messageText(switched.messages[2]!.message)).toBe("second question with ```code``` in it");
    expect(await exportThreadJson(context, "t")).toBe(json);
  });

  it("exports the shown branch as Markdown", async () => {
    const { graph } = await branchedThread();
    const md = await exportThreadMarkdown({ saver, graph }, "t");
    expect(md).toMatch(/^# Branchy\n/);
    expect(md.match(/^## (User|Assistant)$/gm)).toEqual(["## User", "## Assistant", "## User", "## Assistant"]);
    expect(md).toContain("second question, edited");
    expect(md).toContain("2 other branches");
  });

  it("imports an empty thread and a plain one", async () => {
    const graph = createChatGraph({ model: new NumberedModel(), checkpointer: saver });
    const context = { saver, graph };
    await saver.setThreadInfo("empty", { title: "Nothing yet" });
    const emptyJson = await exportThreadJson(context, "empty");
    await importThreadJson(context, emptyJson, "empty-copy");
    expect(await exportThreadJson(context, "empty-copy")).toBe(emptyJson);

    await graph.invoke({ messages: [{ role: "user", content: "hi" }] }, { configurable: { thread_id: "plain" } });
    const plainJson = await exportThreadJson(context, "plain");
    await importThreadJson(context, plainJson, "plain-copy");
    expect(await exportThreadJson(context, "plain-copy")).toBe(plainJson);
  });

  it("refuses malformed and hostile files and creates nothing", async () => {
    const { graph } = await branchedThread();
    const context = { saver, graph };
    const good = JSON.parse(await exportThreadJson(context, "t"));
    const before = (await saver.listThreads()).map((info) => info.threadId);
    const bad = [
      "{",
      JSON.stringify({ ...good, version: 99 }),
      JSON.stringify({
        ...good,
        messages: [{ parent: null, message: { id: "../../x", role: "user", content: "hi" } }],
        head: 0,
      }),
      JSON.stringify({ ...good, messages: "all of them" }),
      JSON.stringify({ ...good, title: "t".repeat(5_000) }),
      JSON.stringify({ ...good, head: 99 }),
    ];
    for (const text of bad) {
      await expect(importThreadJson(context, text, "should-not-exist")).rejects.toBeInstanceOf(ThreadImportError);
    }
    expect((await saver.listThreads()).map((info) => info.threadId)).toEqual(before);
    expect(await saver.getThreadInfo("should-not-exist")).toBeUndefined();
    expect(await saver.getTuple({ configurable: { thread_id: "should-not-exist" } })).toBeUndefined();
  });
});
