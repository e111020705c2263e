/** ThreadService's branches, search, fork and export/import, on a real file store (the model is the numbered fake). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../src/checkpoint/file";
import { ThreadService } from "../../../src/chat/threadService";
import { messageText } from "../../../src/graph/messages";
import { messagesOf } from "./fixtures/messagesOf";
import { NumberedModel } from "./history/fakeModel";
import { clockTick } from "./history/storeHelpers";

let dir: string;
let saver: FileSaver;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "skein-history-"));
  saver = new FileSaver(join(dir, "store"), { fsync: false, onWarning: () => undefined });
});
afterEach(async () => {
  await saver.close();
  await rm(dir, { recursive: true, force: true });
});

describe("ThreadService: branches, search, fork and export (what the extension calls)", () => {
  it("regenerates and edits as turns, then switches, forks, searches and exports without the model", async () => {
    const model = new NumberedModel();
    const threads = new ThreadService({ checkpointer: saver, model, searchFile: join(dir, "store.search.jsonl") });

    await threads.sendMessage("t", "tell me about otters");
    const [question, answer] = await messagesOf(threads, "t");
    expect((await threads.branch("t", { kind: "regenerate", messageId: answer!.id })).status).toBe("completed");
    expect(await threads.siblings("t")).toEqual({ [(await messagesOf(threads, "t"))[1]!.id]: { index: 1, count: 2 } });

    expect(
      (await threads.branch("t", { kind: "edit", messageId: question!.id, text: "tell me about beavers" })).status,
    ).toBe("completed");
    expect((await messagesOf(threads, "t"))[0]).toMatchObject({
      role: "user",
      content: "tell me about beavers",
      metadata: { editOf: question!.id },
    });
    const calls = model.calls;

    // Search finds text on a branch that is not shown; opening the hit brings its branch into view.
    await clockTick();
    const hit = (await threads.search("reply 1 to tell me about otters")).hits[0]!;
    expect(hit).toMatchObject({ threadId: "t", messageId: answer!.id });
    await threads.showMessage("t", hit.messageId!);
    expect((await messagesOf(threads, "t")).map(messageText)).toEqual([
      "tell me about otters",
      "reply 1 to tell me about otters",
    ]);
    expect(await threads.siblings("t")).toEqual({
      [question!.id]: { index: 0, count: 2 },
      [answer!.id]: { index: 0, count: 2 },
    });
    expect((await threads.load("t"))?.siblings).toEqual({
      [question!.id]: { index: 0, count: 2 },
      [answer!.id]: { index: 0, count: 2 },
    });

    const forkId = await threads.fork("t", answer!.id);
    expect((await messagesOf(threads, forkId)).map((m) => m.id)).toEqual([question!.id, answer!.id]);
    expect((await saver.getThreadInfo(forkId))?.title).toMatch(/\(fork\)$/);

    const json = await threads.exportThread("t", "json");
    const imported = await threads.importThread(json);
    expect(await threads.exportThread(imported.threadId, "json")).toBe(json);
    expect(await threads.exportThread("t", "markdown")).toContain("## Assistant\n\nreply 1 to tell me about otters");
    expect(model.calls).toBe(calls);
  });

  it("runs an edit with streaming, like any turn, and keeps the catalog on the new branch", async () => {
    const model = new NumberedModel();
    const threads = new ThreadService({ checkpointer: saver, model });
    await threads.sendMessage("t", "first");
    const question = (await messagesOf(threads, "t"))[0]!;
    const events: string[] = [];
    const result = await threads.branch(
      "t",
      { kind: "edit", messageId: question.id, text: "first, edited" },
      {
        onEvent: (event) =>
          events.push(event.type === "message" ? `message:${messageText(event.message)}` : event.type),
      },
    );
    expect(result.status).toBe("completed");
    expect(events).toContain("message:first, edited");
    expect(events).toContain("token");
    expect(events).toContain("message:reply 2 to first, edited");
    expect((await messagesOf(threads, "t")).map(messageText)).toEqual(["first, edited", "reply 2 to first, edited"]);
    expect((await saver.getThreadInfo("t"))?.metadata).toMatchObject({ messageCount: 2, hasBranches: true });
  });

  it("deletes a thread's text from the search index with the thread", async () => {
    const threads = new ThreadService({
      checkpointer: saver,
      model: new NumberedModel(),
      searchFile: join(dir, "store.search.jsonl"),
    });
    await threads.sendMessage("gone", "a needle in the haystack");
    await clockTick();
    expect((await threads.search("needle")).hits.map((hit) => hit.threadId)).toContain("gone");
    await threads.delete("gone");
    expect((await threads.search("needle")).total).toBe(0);
    expect(await threads.load("gone")).toBeUndefined();
  });
});
