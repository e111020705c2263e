import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BaseCheckpointSaver } from "../../../../src/checkpoint/base";
import { MemorySaver } from "../../../../src/checkpoint/memory";
import { FileSaver } from "../../../../src/checkpoint/file";
import { createChatGraph } from "../../../../src/chat/chatGraph";
import { ThreadService } from "../../../../src/chat/threadService";
import { ThreadBranches } from "../../../../src/chat/history/branches";
import { viewOf, type BranchView } from "../../../../src/chat/history/branchTree";
import { messageText } from "../../../../src/graph/messages";
import { NumberedModel } from "./fakeModel";
import { activityOf } from "../../../../src/chat/activity";

interface SaverKind {
  name: string;
  open(dir: string): BaseCheckpointSaver;
  /** The same storage seen by a brand-new instance (a window reload). */
  reopen(dir: string, previous: BaseCheckpointSaver): Promise<BaseCheckpointSaver>;
}

const kinds: SaverKind[] = [
  { name: "MemorySaver", open: () => new MemorySaver(), reopen: async (_dir, previous) => previous },
  {
    name: "FileSaver",
    open: (dir) => new FileSaver(dir, { fsync: false, onWarning: () => undefined }),
    reopen: async (dir, previous) => {
      await previous.close();
      return new FileSaver(dir, { fsync: false, onWarning: () => undefined });
    },
  },
];

const texts = (view: BranchView) => view.messages.map((entry) => messageText(entry.message));
const positions = (view: BranchView) =>
  view.messages.map((entry) => `${entry.siblings.index + 1}/${entry.siblings.count}`);

describe.each(kinds)("branches over real checkpoint trees ($name)", (kind) => {
  let dir: string;
  let saver: BaseCheckpointSaver;
  let model: NumberedModel;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "skein-branches-"));
    saver = kind.open(dir);
    model = new NumberedModel();
  });
  afterEach(async () => {
    await saver.close();
    await rm(dir, { recursive: true, force: true });
  });

  function setup(current = saver) {
    const graph = createChatGraph({ model, checkpointer: current });
    const send = (threadId: string, text: string) =>
      graph.invoke({ messages: [{ role: "user", content: text }] }, { configurable: { thread_id: threadId } });
    return { graph, send, branches: new ThreadBranches(current, graph) };
  }

  it("edit, regenerate and switch keep every branch; the shown branch is the head and survives a reload", async () => {
    const { send, branches } = setup();
    await send("t", "q1");
    await send("t", "q2");
    let view = await branches.getBranchView("t");
    expect(texts(view)).toEqual(["q1", "reply 1 to q1", "q2", "reply 2 to q2"]);
    expect(positions(view)).toEqual(["1/1", "1/1", "1/1", "1/1"]);
    const q2 = view.messages[2]!.message.id;

    view = await branches.editUserMessage("t", q2, "q2 edited");
    expect(texts(view)).toEqual(["q1", "reply 1 to q1", "q2 edited", "reply 3 to q2 edited"]);
    expect(positions(view)).toEqual(["1/1", "1/1", "2/2", "1/1"]);
    // The edited branch sends its own history only.
    expect(model.sent.at(-1)).toEqual(["user:q1", "assistant:reply 1 to q1", "user:q2 edited"]);

    view = await branches.regenerate("t", view.messages[3]!.message.id);
    expect(texts(view)).toEqual(["q1", "reply 1 to q1", "q2 edited", "reply 4 to q2 edited"]);
    expect(positions(view)).toEqual(["1/1", "1/1", "2/2", "2/2"]);
    expect(model.sent.at(-1)).toEqual(["user:q1", "assistant:reply 1 to q1", "user:q2 edited"]);

    view = await branches.switchBranch("t", view.messages[2]!.message.id, 0);
    expect(texts(view)).toEqual(["q1", "reply 1 to q1", "q2", "reply 2 to q2"]);
    expect(positions(view)).toEqual(["1/1", "1/1", "1/2", "1/1"]);
    expect((await saver.getThreadInfo("t"))?.metadata).toMatchObject({
      messageCount: 4,
      lastMessagePreview: "reply 2 to q2",
    });

    // The next turn continues the shown branch (it is the head), with that branch's history.
    await send("t", "q3");
    expect(model.sent.at(-1)).toEqual([
      "user:q1",
      "assistant:reply 1 to q1",
      "user:q2",
      "assistant:reply 2 to q2",
      "user:q3",
    ]);

    // Reload: a fresh saver instance and graph over the same storage show the same branch.
    saver = await kind.reopen(dir, saver);
    const reloaded = setup(saver).branches;
    view = await reloaded.getBranchView("t");
    expect(texts(view)).toEqual(["q1", "reply 1 to q1", "q2", "reply 2 to q2", "q3", "reply 5 to q3"]);

    // Switching back shows that branch's newest continuation (the regenerated reply, 2/2).
    view = await reloaded.switchBranch("t", view.messages[2]!.message.id, 1);
    expect(texts(view)).toEqual(["q1", "reply 1 to q1", "q2 edited", "reply 4 to q2 edited"]);
    expect(positions(view)).toEqual(["1/1", "1/1", "2/2", "2/2"]);
    view = await reloaded.switchBranch("t", view.messages[3]!.message.id, 0);
    expect(texts(view)).toEqual(["q1", "reply 1 to q1", "q2 edited", "reply 3 to q2 edited"]);

    // The view read from the leaves only equals the one from every checkpoint.
    expect(viewOf("t", await reloaded.leafTree("t"))).toEqual(viewOf("t", await reloaded.tree("t")));
    expect((await reloaded.leafTree("t")).nodes.length).toBe((await reloaded.tree("t")).nodes.length);

    // Nothing was lost: every message ever written is in the tree.
    const tree = await reloaded.tree("t");
    expect(tree.nodes.map((node) => messageText(node.message)).sort()).toEqual(
      [
        "q1",
        "q2",
        "q2 edited",
        "q3",
        "reply 1 to q1",
        "reply 2 to q2",
        "reply 3 to q2 edited",
        "reply 4 to q2 edited",
        "reply 5 to q3",
      ].sort(),
    );
    expect((await saver.getThreadInfo("t"))?.metadata.messageCount).toBe(4);
  });

  it("showing another version is not activity: the thread keeps its time in the list; new content moves it", async () => {
    const { send, branches } = setup();
    await send("t", "q1");
    let view = await branches.regenerate("t", (await branches.getBranchView("t")).messages[1]!.message.id);
    const activity = activityOf((await saver.getThreadInfo("t"))!);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the clock moves on between the reply and the switch
    view = await branches.switchBranch("t", view.messages[1]!.message.id, 0);
    expect(texts(view)).toEqual(["q1", "reply 1 to q1"]);
    let info = (await saver.getThreadInfo("t"))!;
    expect(info.updatedAt > activity).toBe(true); // the switch was written…
    expect(activityOf(info)).toBe(activity); // …but is not activity
    await send("t", "q2");
    info = (await saver.getThreadInfo("t"))!;
    expect(activityOf(info) > activity).toBe(true);
  });

  it("reads only new checkpoints after the first scan, and notices a thread replaced under the same id", async () => {
    const { send, branches } = setup();
    await send("t", "old");
    await branches.regenerate("t", (await branches.getBranchView("t")).messages[1]!.message.id);
    expect(positions(await branches.getBranchView("t"))).toEqual(["1/1", "2/2"]);
    await saver.deleteThread("t");
    await send("t", "new");
    await branches.regenerate("t", (await branches.getBranchView("t")).messages[1]!.message.id);
    const view = await branches.getBranchView("t");
    expect(texts(view)).toEqual(["new", "reply 4 to new"]);
    expect((await branches.tree("t")).nodes.map((node) => messageText(node.message)).sort()).toEqual([
      "new",
      "reply 3 to new",
      "reply 4 to new",
    ]);
  });

  it("edits a message far back (beyond the short walk, so planned from the full tree)", async () => {
    const { send, branches } = setup();
    for (let i = 1; i <= 10; i++) await send("long", `q${i}`);
    const view = await branches.getBranchView("long");
    const edited = await branches.editUserMessage("long", view.messages[2]!.message.id, "q2 again");
    expect(texts(edited)).toEqual(["q1", "reply 1 to q1", "q2 again", "reply 11 to q2 again"]);
    expect(positions(edited)).toEqual(["1/1", "1/1", "2/2", "1/1"]);
    const back = await branches.switchBranch("long", edited.messages[2]!.message.id, 0);
    expect(back.messages).toHaveLength(20);
  });

  it("an edit keeps what was sent with the message (attached files and selections) and replaces only its text", async () => {
    const { graph, branches } = setup();
    const attached = { type: "text" as const, text: '<attachment path="src/a.ts" lines="1-2">let a = 1;</attachment>' };
    await graph.invoke(
      { messages: [{ role: "user", content: [{ type: "text", text: "explain this" }, attached] }] },
      { configurable: { thread_id: "ctx" } },
    );
    const first = (await branches.getBranchView("ctx")).messages[0]!.message.id;
    const view = await branches.editUserMessage("ctx", first, "explain it briefly");
    expect(view.messages[0]!.message.content).toEqual([{ type: "text", text: "explain it briefly" }, attached]);
    // The model was sent the attachment with the edited question.
    expect(messageText(view.messages[1]!.message)).toContain("let a = 1;");
  });

  it("edits the first message as a sibling at the root", async () => {
    const { send, branches } = setup();
    await send("r", "hello");
    const first = (await branches.getBranchView("r")).messages[0]!.message.id;
    const view = await branches.editUserMessage("r", first, "hello again");
    expect(texts(view)).toEqual(["hello again", "reply 2 to hello again"]);
    expect(positions(view)).toEqual(["2/2", "1/1"]);
    expect(texts(await branches.switchBranch("r", view.messages[0]!.message.id, 0))).toEqual([
      "hello",
      "reply 1 to hello",
    ]);
  });

  it("forks to a new thread up to a message, leaving the original untouched", async () => {
    const { send, branches } = setup();
    await send("t", "q1");
    await send("t", "q2");
    await saver.setThreadInfo("t", { title: "Original" });
    const before = await branches.getBranchView("t");
    await branches.forkToNewThread("t", before.messages[1]!.message.id, "t-fork");
    const fork = await branches.getBranchView("t-fork");
    expect(texts(fork)).toEqual(["q1", "reply 1 to q1"]);
    expect(fork.messages.map((entry) => entry.message.id)).toEqual(
      before.messages.slice(0, 2).map((entry) => entry.message.id),
    );
    const info = await saver.getThreadInfo("t-fork");
    expect(info?.title).toBe("Original (fork)");
    expect(info?.metadata.messageCount).toBe(2);
    expect(await branches.getBranchView("t")).toEqual(before);
    // The fork is a thread like any other: it continues from its own history.
    await send("t-fork", "q2 in the fork");
    expect(model.sent.at(-1)).toEqual(["user:q1", "assistant:reply 1 to q1", "user:q2 in the fork"]);
    expect(await branches.getBranchView("t")).toEqual(before);
  });

  it("sees a reply regenerated by ThreadService.retry (a runtime fork it did not make) as a sibling", async () => {
    const threads = new ThreadService({ checkpointer: saver, model });
    const { branches } = setup();
    await threads.sendMessage("c", "question");
    expect((await threads.retry("c")).status).toBe("completed");
    const view = await branches.getBranchView("c");
    expect(texts(view)).toEqual(["question", "reply 2 to question"]);
    expect(positions(view)).toEqual(["1/1", "2/2"]);
  });

  it("brings a message from another branch into view (a search hit), and refuses bad requests clearly", async () => {
    const { send, branches } = setup();
    await send("t", "q1");
    const original = (await branches.getBranchView("t")).messages[1]!.message.id;
    await branches.regenerate("t", original);
    const view = await branches.showMessage("t", original);
    expect(view.messages[1]!.message.id).toBe(original);
    await expect(branches.switchBranch("t", original, 5)).rejects.toMatchObject({ code: "BAD_SIBLING" });
    await expect(branches.editUserMessage("t", original, "x")).rejects.toMatchObject({ code: "WRONG_ROLE" });
    await expect(branches.regenerate("t", view.messages[0]!.message.id)).rejects.toMatchObject({ code: "WRONG_ROLE" });
    await expect(branches.showMessage("t", "no-such-id")).rejects.toMatchObject({ code: "MESSAGE_NOT_FOUND" });
  });
});
