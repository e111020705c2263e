import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { requestFor, setSetting, skein, unique, waitFor } from "./helpers";

export function settingsTests(): void {
  describe("settings", () => {
    after(async () => {
      for (const key of ["model", "maxTokens", "systemPrompt", "context.maxMessages"]) await setSetting(key, undefined);
    });

    it("skein.context.maxMessages caps the messages each request carries, applied without a reload", async () => {
      const api = await skein();
      await setSetting("context.maxMessages", 2);
      try {
        await vscode.commands.executeCommand("skein.newThread");
        const texts = [unique("context one"), unique("context two"), unique("context three")];
        // send() resolves when the turn is over (reply stored), so each turn sees the previous ones.
        for (const text of texts) await api.send(text);
        const requests = [];
        for (const text of texts) requests.push(await waitFor(`the mock to record "${text}"`, () => requestFor(text)));
        const counts = requests.map((r) => (r.body.messages as unknown[]).length);
        // Uncapped, the third request would carry 5 messages (3 questions, 2 replies).
        for (const count of counts)
          assert.ok(count >= 1 && count <= 2, `each request carries at most 2 messages, got ${JSON.stringify(counts)}`);
        const last = JSON.stringify(requests[2]!.body.messages);
        assert.ok(last.includes(texts[2]!), "the newest question is sent");
        assert.ok(!last.includes(texts[0]!), "the oldest question is left out of the request");
      } finally {
        await setSetting("context.maxMessages", undefined);
      }
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
      assert.ok(
        JSON.stringify(request.body.system ?? "").includes("You are the Skein integration test."),
        "system prompt sent",
      );
    });
  });
}
