import * as assert from "node:assert/strict";
import * as vscode from "vscode";

export const EXTENSION_ID = "skein.skein";

export function activationTests(): void {
  describe("activation", () => {
    it("runs inside a real VS Code extension host", () => {
      assert.match(vscode.version, /^\d+\.\d+\.\d+/);
      assert.equal(typeof vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, "string");
    });

    it("activates Skein and registers its commands", async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
      await ext.activate();
      assert.equal(ext.isActive, true);
      const commands = await vscode.commands.getCommands(true);
      for (const id of ["skein.newThread", "skein.setApiKey"]) assert.ok(commands.includes(id), `command ${id} registered`);
    });
  });
}
