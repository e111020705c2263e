import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { requestFor, setSetting, skein, unique, waitFor } from "./helpers";

export function settingsTests(): void {
  describe("settings", () => {
    after(async () => {
      for (const key of ["model", "maxTokens", "systemPrompt"]) await setSetting(key, undefined);
    });

    it("skein.baseUrl from user settings points Skein at the mock", () => {
      assert.equal(vscode.workspace.getConfiguration("skein").get("baseUrl"), process.env.SKEIN_TEST_MOCK_URL);
    });

    it("skein.model, skein.maxTokens and skein.systemPrompt reach the request", async () => {
      const api = await skein();
      await setSetting("model", "claude-skein-test-model");
      await setSetting("maxTokens", 321);
      await setSetting("systemPrompt", "You are the Skein integration test.");
      await vscode.commands.executeCommand("skein.newThread");
      const text = unique("settings check");
      await api.send(text);
      const request = await waitFor("the mock to record the turn", () => requestFor(text));
      assert.equal(request.body.model, "claude-skein-test-model");
      assert.equal(request.body.max_tokens, 321);
      assert.ok(JSON.stringify(request.body.system ?? "").includes("You are the Skein integration test."), "system prompt sent");
    });
  });
}
