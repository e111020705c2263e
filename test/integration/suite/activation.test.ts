import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { sep } from "node:path";
import * as vscode from "vscode";
import { scopeFor } from "../../../src/extension/engine/workspaceScope";
import { EXTENSION_ID, skein } from "./helpers";

export function activationTests(): void {
  describe("activation", () => {
    it("runs inside a real VS Code extension host with the test workspace open", () => {
      assert.match(vscode.version, /^\d+\.\d+\.\d+/);
      assert.ok(vscode.workspace.workspaceFolders?.length, "a workspace folder is open");
    });

    it("activates Skein and registers its commands", async () => {
      const api = await skein();
      assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
      assert.equal(typeof api.scope, "string");
      const commands = await vscode.commands.getCommands(true);
      for (const id of [
        "skein.newThread",
        "skein.openThread",
        "skein.renameThread",
        "skein.deleteThread",
        "skein.deleteAllThreads",
        "skein.setApiKey",
        "skein.clearApiKey",
        "skein.stopResponse",
        "skein.retryLastTurn",
        "skein.focusChat",
      ]) {
        assert.ok(commands.includes(id), `command ${id} is registered`);
      }
    });

    it("keeps this workspace's store under the extension's global storage, in this workspace's scope", async () => {
      const api = await skein();
      const expected = scopeFor({
        workspaceFile: vscode.workspace.workspaceFile?.toString(),
        folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
        name: vscode.workspace.name,
      });
      assert.equal(api.scope, expected.key);
      assert.ok(
        api.storeDir.endsWith(`${sep}workspaces${sep}${api.scope}`),
        `store dir ${api.storeDir} is this scope's`,
      );
      assert.ok(
        api.storeDir.includes(`${sep}globalStorage${sep}skein.skein${sep}`),
        `store dir ${api.storeDir} is under globalStorage`,
      );
      assert.ok(existsSync(api.workspacesDir) || !existsSync(api.storeDir), "workspaces dir exists once a store does");
    });
  });
}
