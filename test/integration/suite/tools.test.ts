/**
 * The workspace tools inside a real VS Code: the model reads and searches the opened folder (the editor's unsaved
 * text included), an approved edit_file changes the file through a WorkspaceEdit that Undo reverts, a rejected
 * one leaves it alone and the reason reaches the model, run_command's output reaches the model, Always allow is
 * listed and removable, and Add Selection to Chat sends the selection with its file and lines.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import { messageRequests, skein, unique, waitFor } from "./helpers";

function workspaceDir(): string {
  const dir = process.env.SKEIN_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(dir, "the suite runs with a workspace folder");
  return dir;
}

/** The tool_result blocks the model was sent, as text (every request the mock recorded). */
async function toolResultsSent(): Promise<string[]> {
  const out: string[] = [];
  for (const request of await messageRequests()) {
    const last = (request.body?.messages ?? []).at(-1);
    if (last?.role !== "user" || !Array.isArray(last.content)) continue;
    for (const block of last.content)
      if (block?.type === "tool_result")
        out.push(typeof block.content === "string" ? block.content : JSON.stringify(block.content));
  }
  return out;
}

async function resultContaining(text: string): Promise<string> {
  return waitFor(`a tool_result containing ${JSON.stringify(text)} to reach the model`, async () =>
    (await toolResultsSent()).find((r) => r.includes(text)),
  );
}

async function newThread(): Promise<void> {
  await vscode.commands.executeCommand("skein.newThread");
}

export function toolsTests(): void {
  describe("workspace tools", () => {
    let dir: string;
    before(async () => {
      dir = workspaceDir();
      mkdirSync(join(dir, "notes"), { recursive: true });
      await vscode.workspace.getConfiguration("skein").update("tools.enabled", true, vscode.ConfigurationTarget.Global);
    });
    afterEach(async () => {
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("read_file reads the real folder, with an open editor's unsaved text; search_workspace finds text in it", async () => {
      const api = await skein();
      const needle = unique("needle").replace(" ", "-");
      writeFileSync(join(dir, "notes", "read.txt"), `first line\n${needle} on disk\n`);
      writeFileSync(join(dir, "notes", "dirty.txt"), "saved text\n");
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(dir, "notes", "dirty.txt")));
      const editor = await vscode.window.showTextDocument(doc);
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), "UNSAVED EDIT "));
      assert.ok(doc.isDirty);
      await newThread();
      await api.send(`read file notes/read.txt and read file notes/dirty.txt and search for "${needle}"`);
      const read = await resultContaining("first line");
      assert.match(read, new RegExp(`${needle} on disk`));
      await resultContaining("UNSAVED EDIT saved text");
      // A search hit names the file and line.
      const search = await resultContaining("notes/read.txt:2");
      assert.ok(search.includes(`${needle} on disk`));
      // Read-only tools never ask.
      assert.deepEqual(await api.pendingApprovals(), []);
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    });

    it("an approved edit_file changes the file through a WorkspaceEdit, and Undo reverts it", async () => {
      const api = await skein();
      const file = join(dir, "notes", "edit.txt");
      writeFileSync(file, "const answer = 41;\n");
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc);
      await newThread();
      await api.send('edit file notes/edit.txt replacing "41" with "42"');
      const [card] = await waitFor("the edit to wait for approval", async () => {
        const pending = await api.pendingApprovals();
        return pending.length ? pending : undefined;
      });
      assert.equal(card!.name, "edit_file");
      assert.match(card!.diff ?? "", /-const answer = 41;/);
      assert.match(card!.diff ?? "", /\+const answer = 42;/);
      assert.equal(readFileSync(file, "utf8"), "const answer = 41;\n", "nothing changes before Approve");
      await api.answer(card!.interruptId, { approved: true });
      assert.equal(doc.getText(), "const answer = 42;\n", "the open document has the edit");
      assert.equal(readFileSync(file, "utf8"), "const answer = 42;\n", "a file without unsaved changes is saved");
      await resultContaining("notes/edit.txt");
      assert.deepEqual(await api.pendingApprovals(), []);
      // The edit is on the editor's undo stack.
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand("undo");
      await waitFor("Undo to revert the edit", () => doc.getText() === "const answer = 41;\n");
      await vscode.commands.executeCommand("workbench.action.files.save");
      assert.equal(readFileSync(file, "utf8"), "const answer = 41;\n");
    });

    it("a rejected edit leaves the file alone and the reason reaches the model", async () => {
      const api = await skein();
      const file = join(dir, "notes", "keep.txt");
      writeFileSync(file, "keep me\n");
      await newThread();
      await api.send('edit file notes/keep.txt replacing "keep" with "drop"');
      const [card] = await waitFor("the edit to wait", async () => {
        const pending = await api.pendingApprovals();
        return pending.length ? pending : undefined;
      });
      const reason = unique("not like this");
      await api.answer(card!.interruptId, { approved: false, reason });
      await resultContaining(reason);
      assert.equal(readFileSync(file, "utf8"), "keep me\n");
    });

    it("run_command runs in the workspace after Approve and its output reaches the model; Always allow is listed and removable", async () => {
      const api = await skein();
      await newThread();
      const command = "echo skein-$((40+2)) && pwd";
      await api.send(`run command "${command}"`);
      const [card] = await waitFor("the command to wait", async () => {
        const pending = await api.pendingApprovals();
        return pending.length ? pending : undefined;
      });
      assert.equal(card!.command, command);
      assert.equal(card!.canAlwaysAllow, true);
      await api.answer(card!.interruptId, { approved: true, always: true });
      const output = await resultContaining("skein-42");
      assert.ok(output.includes(dir), "it ran in the workspace folder");
      const listed = await vscode.commands.executeCommand<unknown[]>("skein.manageToolPermissions", {
        tool: "run_command",
        command: "no such entry",
      });
      assert.deepEqual(listed, [{ tool: "run_command", command }], "the exact command line is always allowed");
      // The same command runs without asking now; another one still asks.
      await api.send(`run command "${command}"`);
      assert.deepEqual(await api.pendingApprovals(), []);
      const left = await vscode.commands.executeCommand<unknown[]>("skein.manageToolPermissions", {
        tool: "run_command",
        command,
      });
      assert.deepEqual(left, []);
    });

    it("Add Selection to Chat sends the selection with its file and line range, as the model sees it", async () => {
      const api = await skein();
      const file = join(dir, "notes", "sel.txt");
      writeFileSync(file, "line one\nline two\nline three\nline four\n");
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const editor = await vscode.window.showTextDocument(doc);
      editor.selection = new vscode.Selection(1, 0, 2, 10);
      await vscode.commands.executeCommand("skein.addSelectionToChat");
      const context = api.composerContext();
      assert.deepEqual(
        context.attachments.map(({ kind, path, startLine, endLine }) => ({ kind, path, startLine, endLine })),
        [{ kind: "selection", path: "notes/sel.txt", startLine: 2, endLine: 3 }],
      );
      assert.equal(context.activeFile?.path, "notes/sel.txt");
      await newThread();
      const question = unique("what do these lines say?");
      await api.send(question);
      const request = await waitFor("the message to reach the model", async () =>
        (await messageRequests()).find((r) => JSON.stringify(r.body?.messages ?? []).includes(question)),
      );
      const sent = JSON.stringify(request.body.messages.at(-1).content);
      assert.ok(sent.includes('<attachment path=\\"notes/sel.txt\\" lines=\\"2-3\\">\\nline two\\nline three\\n'));
      // The active file went along too (included by default), and the explicit attachment is used up.
      assert.ok(sent.includes('<attachment path=\\"notes/sel.txt\\">\\nline one'));
      assert.deepEqual(api.composerContext().attachments, []);
    });
  });
}
