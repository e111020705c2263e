import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { filesContaining, requestFor, sentKey, skein, treeItemOf, treeLabel, unique, waitFor } from "./helpers";

interface Ref {
  scope: string;
  threadId: string;
}

export function threadsTests(): void {
  describe("threads", () => {
    let ref: Ref;
    let said: string;

    it("skein.newThread opens a new thread the Threads tree lists once it has a message", async () => {
      const api = await skein();
      const created = await vscode.commands.executeCommand<Ref>("skein.newThread");
      assert.ok(created?.threadId, "skein.newThread returns the new thread");
      assert.deepEqual(api.openThread(), created, "the new thread is the open one");
      ref = created;
      // A thread is listed as soon as it is created or, at the latest, once its first message is stored.
      said = unique("hi! I'm bob");
      await api.send(said);
      const item = await waitFor("the Threads tree to list the new thread", () => treeItemOf(api, ref.threadId));
      assert.ok(treeLabel(item).length > 0, "the tree item has a title");
    });

    it("a turn against the mock Messages API is stored on disk in this workspace's scope", async () => {
      const api = await skein();
      const request = await waitFor("the mock to record the turn", () => requestFor(said));
      assert.equal(sentKey(request), "test-key", "the key from ANTHROPIC_API_KEY is sent");
      const files = await waitFor("the store to hold the user's message", () => {
        const hits = filesContaining(api.storeDir, said);
        return hits.length > 0 ? hits : undefined;
      });
      assert.ok(
        files.every((f) => f.startsWith(api.storeDir)),
        "stored only in this workspace's store",
      );
      await waitFor("the store to hold the reply", () => filesContaining(api.storeDir, "Hello bob").length > 0);
      const others = filesContaining(api.workspacesDir, said).filter((f) => !f.startsWith(api.storeDir));
      assert.deepEqual(others, [], "no other workspace's store holds this thread");
    });

    it("the next turn sends the stored history (the mock answers from it)", async () => {
      const api = await skein();
      await api.send("what's my name?");
      const request = await waitFor("the mock to record the second turn", () => requestFor("what's my name?"));
      const history = JSON.stringify(request.body.messages);
      assert.ok(history.includes(said), "the earlier user turn is in the request");
      assert.ok(history.includes("Hello bob"), "the earlier reply is in the request");
      await waitFor("the store to hold the answer", () => filesContaining(api.storeDir, "Your name is bob").length > 0);
    });

    it("Rename changes the tree and the disk", async () => {
      const api = await skein();
      const title = unique("Renamed thread");
      const ok = await vscode.commands.executeCommand("skein.renameThread", ref, title);
      assert.equal(ok, true, "rename reports success");
      await waitFor(
        "the tree to show the new title",
        async () => treeLabel((await treeItemOf(api, ref.threadId)) ?? {}) === title,
      );
      assert.ok(filesContaining(api.storeDir, title).length > 0, "the new title is stored on disk");
    });

    it("Delete removes the thread from the tree and from the disk", async () => {
      const api = await skein();
      const ok = await vscode.commands.executeCommand("skein.deleteThread", ref, { confirm: false });
      assert.equal(ok, true, "delete reports success");
      await waitFor("the tree to drop the thread", async () => (await treeItemOf(api, ref.threadId)) === undefined);
      assert.deepEqual(filesContaining(api.storeDir, said), [], "no file keeps the deleted thread's messages");
      assert.deepEqual(
        filesContaining(api.storeDir, ref.threadId),
        [],
        "no file is named for or mentions the deleted thread",
      );
      assert.notEqual(api.openThread().threadId, ref.threadId, "the chat moved to a new empty thread");
    });
  });
}

export function deleteAllTests(): void {
  describe("Delete All Threads in This Workspace", () => {
    it("empties this workspace's tree and opens a fresh thread", async () => {
      const api = await skein();
      const before = (await api.treeItems()).length;
      assert.ok(before > 0, "earlier tests left threads to delete");
      const deleted = await vscode.commands.executeCommand<number>("skein.deleteAllThreads", { confirm: false });
      assert.equal(deleted, before, "every listed thread was deleted");
      await waitFor("the tree to be empty", async () => (await api.treeItems()).length === 0);
      assert.ok(api.openThread().threadId, "the chat has a fresh thread open");
    });
  });
}
