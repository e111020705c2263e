import * as assert from "node:assert/strict";
import { dirname } from "node:path";
import * as vscode from "vscode";
import { filesContaining, requestFor, sentKey, skein, unique, waitFor } from "./helpers";

export function apiKeyTests(): void {
  describe("API key", () => {
    const key = `sk-ant-skein-test-${Math.random().toString(36).slice(2, 12)}`;

    after(async () => {
      await vscode.commands.executeCommand("skein.clearApiKey");
    });

    it("Set API Key stores the key in SecretStorage, and turns use it", async () => {
      const api = await skein();
      const ok = await vscode.commands.executeCommand("skein.setApiKey", key);
      assert.equal(ok, true, "the command accepted the key");
      await vscode.commands.executeCommand("skein.newThread");
      const text = unique("key check");
      await api.send(text);
      const request = await waitFor("the mock to record the turn", () => requestFor(text));
      assert.equal(sentKey(request), key, "the stored key wins over ANTHROPIC_API_KEY");
    });

    it("the key is nowhere else: not in settings, the store, logs or any file of this run", async () => {
      const api = await skein();
      assert.ok(!JSON.stringify(vscode.workspace.getConfiguration("skein")).includes(key), "not in Skein's settings");
      // Everything this run wrote (HOME, XDG dirs, user data, server data with logs and global storage, the
      // workspace) when the runner says where that is; otherwise the user data, global storage and workspace.
      const roots = process.env.SKEIN_TEST_RUN_ROOT
        ? [process.env.SKEIN_TEST_RUN_ROOT]
        : [process.env.SKEIN_TEST_USER_DATA, process.env.SKEIN_TEST_WORKSPACE, dirname(dirname(api.workspacesDir))];
      for (const root of roots.filter((r): r is string => Boolean(r))) {
        assert.deepEqual(filesContaining(root, key), [], `no file under ${root} contains the key`);
      }
    });

    it("Clear API Key falls back to ANTHROPIC_API_KEY from the environment", async () => {
      const api = await skein();
      await vscode.commands.executeCommand("skein.clearApiKey");
      const text = unique("env key check");
      await api.send(text);
      const request = await waitFor("the mock to record the turn", () => requestFor(text));
      assert.equal(sentKey(request), "test-key", "ANTHROPIC_API_KEY is used again");
    });
  });
}
