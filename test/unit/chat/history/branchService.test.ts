import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../../src/checkpoint/file";
import { historyFor, HistoryService, shownMessages } from "../../../../src/chat/history/branchService";
import { createChatGraph } from "../../../../src/chat/chatGraph";
import { ChatThreads } from "../../../../src/chat/threads";
import { messageText } from "../../../../src/graph/messages";
import { NumberedModel } from "./fakeModel";
import { clockTick } from "./storeHelpers";

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

describe("HistoryService (what the extension calls)", () => {
  it("plans runs the chat service performs, then switches, forks, searches and exports without the model", async () => {
    const model = new NumberedModel();
    const chat = createChatGraph({ model, checkpointer: saver });
    const history = historyFor(saver, { searchFile: join(dir, "store.search.jsonl") });
    expect(historyFor(saver)).toBe(history);

    await chat.invoke({ messages: [{ role: "user", content: "tell me about otters" }] }, { configurable: { thread_id: "t" } });
    const [question, answer] = shownMessages(await history.view("t"));
    const plan = await history.planRegenerate("t", answer!.id);
    expect(plan.input).toBeNull();
    await chat.invoke(plan.input, plan.config);
    await history.afterRun("t");
    expect(await history.siblings("t")).toEqual({ [shownMessages(await history.view("t"))[1]!.id]: { index: 1, count: 2 } });

    const edit = await history.planEdit("t", question!.id, "tell me about beavers");
    expect(edit.input?.messages[0]).toMatchObject({ role: "user", content: "tell me about beavers", metadata: { editOf: question!.id } });
    await chat.invoke(edit.input, edit.config);
    await history.afterRun("t");
    const calls = model.calls;

    // Search finds text on a branch that is not shown; opening the hit brings its branch into view.
    await clockTick();
    const hit = (await history.search("reply 1 to tell me about otters")).hits[0]!;
    expect(hit).toMatchObject({ threadId: "t", messageId: answer!.id });
    const view = await history.showMessage("t", hit.messageId!);
    expect(shownMessages(view).map(messageText)).toEqual(["tell me about otters", "reply 1 to tell me about otters"]);
    expect(await history.siblings("t")).toEqual({ [question!.id]: { index: 0, count: 2 }, [answer!.id]: { index: 0, count: 2 } });

    const forkId = await history.fork("t", answer!.id);
    expect(shownMessages(await history.view(forkId)).map((m) => m.id)).toEqual([question!.id, answer!.id]);
    expect((await saver.getThreadInfo(forkId))?.title).toMatch(/\(fork\)$/);

    const json = await history.exportThread("t", "json");
    const imported = await history.importThread(json);
    expect(await history.exportThread(imported.threadId, "json")).toBe(json);
    expect(await history.exportThread("t", "markdown")).toContain("## Assistant\n\nreply 1 to tell me about otters");
    expect(model.calls).toBe(calls);
  });

  it("runs an edit through ChatThreads.runPlanned with streaming, like any turn", async () => {
    const model = new NumberedModel();
    const threads = new ChatThreads({ checkpointer: saver, model });
    const history = historyFor(saver);
    await threads.sendMessage("t", "first");
    const question = shownMessages(await history.view("t"))[0]!;
    const events: string[] = [];
    const result = await threads.runPlanned("t", () => history.planEdit("t", question.id, "first, edited"), {
      onEvent: (event) => events.push(event.type === "message" ? `message:${messageText(event.message)}` : event.type),
    });
    expect(result.status).toBe("completed");
    expect(events).toContain("message:first, edited");
    expect(events).toContain("token");
    expect(events).toContain("message:reply 2 to first, edited");
    await history.afterRun("t");
    expect(shownMessages(await history.view("t")).map(messageText)).toEqual(["first, edited", "reply 2 to first, edited"]);
    expect((await saver.getThreadInfo("t"))?.metadata).toMatchObject({ messageCount: 2, hasBranches: true });
  });

  it("gives a fresh service per store", () => {
    expect(historyFor(new FileSaver(join(dir, "other")))).not.toBe(historyFor(saver));
    expect(new HistoryService(saver)).toBeInstanceOf(HistoryService);
  });
});
