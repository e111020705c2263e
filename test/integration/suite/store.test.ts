import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { skein } from "./helpers";

export function storeTests(): void {
  describe("thread store setting", () => {
    it("the local store is the default, and a workspace cannot switch this window to PostgreSQL", async () => {
      const api = await skein();
      assert.equal(api.storeState(), "local");
      const config = vscode.workspace.getConfiguration("skein");
      // skein.store is a machine setting: VS Code refuses a workspace value; were one there, Skein ignores it.
      await config.update("store", "postgres", vscode.ConfigurationTarget.Workspace).then(
        () => undefined,
        () => undefined,
      );
      assert.equal(vscode.workspace.getConfiguration("skein").inspect("store")?.workspaceValue, undefined);
      assert.equal(api.storeState(), "local");
    });

    it("Connect to PostgreSQL with a server that cannot be reached stores nothing and never shows the password", async () => {
      const result = (await vscode.commands.executeCommand(
        "skein.connectPostgres",
        "postgres://skein:s3cret-pa55@127.0.0.1:1/threads",
      )) as {
        ok: boolean;
        message: string;
      };
      assert.equal(result.ok, false);
      assert.match(result.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(result.message, /s3cret/);
      assert.equal(vscode.workspace.getConfiguration("skein").inspect("store")?.globalValue, undefined);
      assert.equal((await skein()).storeState(), "local");
      const bad = (await vscode.commands.executeCommand("skein.connectPostgres", "mysql://x")) as { ok: boolean };
      assert.equal(bad.ok, false);
    });
  });
}
