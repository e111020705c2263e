/**
 * Export / Import Thread through the real commands in the real extension host: a thread with a turn
 * against the mock is exported as JSON and Markdown to real files, the JSON is imported back as a new thread the
 * Threads tree lists, and a re-export of the import is byte-identical (the format is canonical and carries no ids).
 */
import * as assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import { skein, treeItemOf, unique, waitFor } from "./helpers";

interface Ref {
  scope: string;
  threadId: string;
}

/** The "N messages" part of a tree item's description (the tree shows it for every thread). */
function countIn(item: vscode.TreeItem | undefined): number | undefined {
  const match = /(\d+) messages?/.exec(typeof item?.description === "string" ? item.description : "");
  return match ? Number(match[1]) : undefined;
}

export function exportImportTests(): void {
  describe("Export and Import Thread", () => {
    const stamp = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const jsonPath = join(tmpdir(), `skein-export-${stamp}.skein.json`);
    const mdPath = join(tmpdir(), `skein-export-${stamp}.md`);
    const reexportPath = join(tmpdir(), `skein-reexport-${stamp}.skein.json`);
    const badPath = join(tmpdir(), `skein-bad-${stamp}.json`);
    let ref: Ref;
    let said: string;

    after(() => {
      for (const p of [jsonPath, mdPath, reexportPath, badPath]) rmSync(p, { force: true });
    });

    it("exports a thread with a turn as JSON (both texts) and Markdown (one heading per message)", async () => {
      const api = await skein();
      ref = (await vscode.commands.executeCommand<Ref>("skein.newThread"))!;
      assert.ok(ref?.threadId, "skein.newThread returns the new thread");
      said = unique("hi! I'm bob");
      await api.send(said);
      // The tree counts stored messages, so this also waits for the reply to be on disk.
      await waitFor(
        "the Threads tree to list the thread with both messages",
        async () => countIn(await treeItemOf(api, ref.threadId)) === 2,
      );

      const wrote = await vscode.commands.executeCommand<string>("skein.exportThread", ref, "json", jsonPath);
      assert.equal(wrote, vscode.Uri.file(jsonPath).toString(), "the JSON export reports the file it wrote");
      const data = JSON.parse(readFileSync(jsonPath, "utf8"));
      assert.equal(data.format, "skein-thread");
      assert.equal(data.messages.length, 2, "one user and one assistant message");
      const text = JSON.stringify(data.messages);
      assert.ok(text.includes(said), "the JSON holds the user's text");
      assert.ok(text.includes("Hello bob"), "the JSON holds the mock's reply");
      assert.deepEqual(
        data.messages.map((n: { message: { role: string } }) => n.message.role),
        ["user", "assistant"],
      );

      await vscode.commands.executeCommand("skein.exportThread", ref, "markdown", mdPath);
      const md = readFileSync(mdPath, "utf8");
      assert.deepEqual(md.match(/^## .*$/gm), ["## User", "## Assistant"], "one heading per message");
      assert.ok(md.includes(said) && md.includes("Hello bob"), "the Markdown holds both texts");
    });

    it("imports the JSON as a new thread the tree lists, and re-exporting it gives the same bytes", async () => {
      const api = await skein();
      const imported = await vscode.commands.executeCommand<Ref>("skein.importThread", jsonPath);
      assert.ok(imported?.threadId, "skein.importThread returns the new thread");
      assert.notEqual(imported.threadId, ref.threadId, "an import is a new thread");
      const item = await waitFor("the Threads tree to list the imported thread", () =>
        treeItemOf(api, imported.threadId),
      );
      assert.equal(countIn(item), 2, "the imported thread has the same message count");
      assert.ok(await treeItemOf(api, ref.threadId), "the original thread is still listed");

      await vscode.commands.executeCommand("skein.exportThread", imported, "json", reexportPath);
      assert.ok(
        readFileSync(reexportPath).equals(readFileSync(jsonPath)),
        "export → import → export is byte-identical",
      );
    });

    it("a malformed file is refused with a clear error and adds no thread", async () => {
      const api = await skein();
      writeFileSync(badPath, JSON.stringify({ format: "nope" }));
      const before = (await api.treeItems()).map((i) => i.id).sort();
      // The command wrapper turns a thrown error into an error notification and resolves to undefined; spy on it
      // to see the message the user gets.
      const shown: string[] = [];
      const original = vscode.window.showErrorMessage;
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = (message: string, ...rest: unknown[]) => {
        shown.push(message);
        return (original as (...a: unknown[]) => unknown)(message, ...rest);
      };
      let result: unknown;
      try {
        result = await vscode.commands.executeCommand("skein.importThread", badPath);
      } finally {
        (vscode.window as { showErrorMessage: unknown }).showErrorMessage = original;
      }
      assert.equal(result, undefined, "no thread ref is returned");
      assert.equal(shown.length, 1, "one error is shown");
      assert.match(shown[0]!, /not a Skein thread export/, "the error says what is wrong");
      assert.match(shown[0]!, /Export a thread as JSON/, "and what to do");
      // A file that is not even JSON: where the problem is, as line and column.
      writeFileSync(badPath, '{\n  "format": "skein-thread",\n  oops\n}');
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = (message: string, ...rest: unknown[]) => {
        shown.push(message);
        return (original as (...a: unknown[]) => unknown)(message, ...rest);
      };
      try {
        result = await vscode.commands.executeCommand("skein.importThread", badPath);
      } finally {
        (vscode.window as { showErrorMessage: unknown }).showErrorMessage = original;
      }
      assert.equal(result, undefined, "no thread ref is returned for a file that is not JSON");
      assert.match(
        shown[1] ?? "",
        /not a Skein thread export: the file is not valid JSON \(.+ at line 3, column 3\)/,
        "the error says where",
      );
      const after_ = (await api.treeItems()).map((i) => i.id).sort();
      assert.deepEqual(after_, before, "the tree lists the same threads");
      assert.ok(existsSync(badPath), "the file the user chose is left alone");
    });
  });
}
