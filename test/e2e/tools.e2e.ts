/**
 * The workspace tools in a real VS Code, as a person meets them: the model asks to edit a file → the chat shows
 * a card with the diff (and Show Diff opens the editor's diff beside it) → Reload Window → the card is still
 * there, the Threads tree marks the thread and the Skein icon shows a badge → Approve → the file on disk has
 * changed → the reply continues. And a Reject with a reason: the file stays, the model reads the reason.
 * Screenshots: test-results/e2e/tools/NN-step.png.
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { Session, SHOTS_DIR } from "./session";
import { assistantMessages, typeInComposer, Workbench } from "./workbench";

const ORIGINAL = 'export const greeting = "hello";\n';
const EDITED = 'export const greeting = "hello, world";\n';

interface Page {
  document: { activeElement: { id?: string; tagName?: string } | null };
}

describe("workspace tools in a real VS Code (browser)", function () {
  this.timeout(240_000);
  let s: Session;
  let wb: Workbench;
  let chat: Frame;
  let file: string;

  before(async function () {
    this.timeout(400_000);
    s = await Session.start((m) => console.log(`    [e2e tools] ${m}`));
    wb = new Workbench(s.page, join(SHOTS_DIR, "tools"));
    file = join(s.dirs.workspace, "greet.ts");
    writeFileSync(file, ORIGINAL);
    writeFileSync(join(s.dirs.workspace, "keep.ts"), "keep me\n");
  });

  after(async () => {
    await s?.stop();
  });

  async function freshThread(): Promise<Frame> {
    await wb.runCommand("Skein: New Thread");
    const frame = await wb.chat();
    await frame.locator("#empty-state").waitFor({ state: "visible" });
    await frame.waitForFunction(
      () => (globalThis as unknown as Page).document.activeElement?.id === "composer",
      undefined,
      { timeout: 30_000 },
    );
    return frame;
  }

  it("edit → card with the diff → Show Diff → Reload Window → card still there → Approve → file changed → reply continues", async () => {
    await wb.step("workbench-ready", async () => {
      await s.page.goto(s.url);
      await wb.waitReady();
    });
    chat = await wb.step("new-thread", freshThread);
    await wb.step("model-asks-to-edit", async () => {
      await typeInComposer(chat, 'edit file greet.ts replacing "hello" with "hello, world"', true);
      const card = chat.locator(".approval-card");
      await card.waitFor();
      await card.locator(".diff-del", { hasText: 'export const greeting = "hello";' }).waitFor();
      await card.locator(".diff-add", { hasText: 'export const greeting = "hello, world";' }).waitFor();
      await chat.getByRole("button", { name: "Approve", exact: true }).waitFor();
      await chat.getByRole("button", { name: "Reject", exact: true }).waitFor();
      assert.equal(readFileSync(file, "utf8"), ORIGINAL, "nothing is written before Approve");
    });
    await wb.step("show-diff", async () => {
      await chat.getByRole("button", { name: "Show Diff", exact: true }).click();
      await s.page.locator(".monaco-diff-editor").first().waitFor();
      await s.page.locator(".tabs-container .tab", { hasText: "proposed edit" }).first().waitFor();
      // The diff opened beside the chat without taking the focus from it (the webview's frame keeps it).
      assert.equal(
        await s.page.evaluate(() => (globalThis as unknown as Page).document.activeElement?.tagName),
        "IFRAME",
      );
    });
    await wb.step("after-reload-card-still-there", async () => {
      // The palette opens from the workbench, not from inside the webview that kept the focus.
      await s.page.locator(".tabs-container .tab", { hasText: "proposed edit" }).first().click();
      await wb.runCommand("Developer: Reload Window");
      await wb.waitReady();
      chat = await wb.chat();
      const card = chat.locator(".approval-card");
      await card.locator(".diff-add", { hasText: "hello, world" }).waitFor();
      assert.equal(await card.count(), 1);
      // The Threads tree marks the thread; the Skein icon carries the badge.
      await wb.threadRow(/waiting for approval/).waitFor();
      await s.page.locator(".activitybar .badge .badge-content", { hasText: "1" }).first().waitFor();
    });
    await wb.step("approve-file-changed-reply-continues", async () => {
      await chat.getByRole("button", { name: "Approve", exact: true }).click();
      await chat.locator(".approval-card").waitFor({ state: "detached" });
      await assistantMessages(chat).filter({ hasText: "The tool returned" }).waitFor();
      assert.equal(readFileSync(file, "utf8"), EDITED, "the file on disk has the edit");
      // The call shows as one compact row with its status.
      await chat.locator('.tool-row[data-status="ok"] .tool-name', { hasText: "edit_file" }).waitFor();
      await s.page.locator(".activitybar .badge .badge-content", { hasText: "1" }).waitFor({ state: "detached" });
    });
  });

  it("Reject with a reason: the file stays and the model reads the reason", async () => {
    if (!s.page.url().startsWith("http")) {
      await s.page.goto(s.url);
      await wb.waitReady();
    }
    chat = await wb.step("reject-new-thread", freshThread);
    const reason = "use the constant from config instead";
    await wb.step("reject-with-reason", async () => {
      await typeInComposer(chat, 'edit file keep.ts replacing "keep" with "drop"', true);
      const card = chat.locator(".approval-card");
      await card.waitFor();
      await card.locator("input.reject-reason").fill(reason);
      await chat.getByRole("button", { name: "Reject", exact: true }).click();
      await assistantMessages(chat).filter({ hasText: reason }).waitFor();
      await chat.locator('.tool-row[data-status="rejected"]').waitFor();
    });
    assert.equal(readFileSync(join(s.dirs.workspace, "keep.ts"), "utf8"), "keep me\n");
    const requests = (await s.mock.requests()).filter((r: { path: string }) => r.path === "/v1/messages");
    const sent = requests.map((r: { body?: { messages?: unknown[] } }) => JSON.stringify(r.body?.messages?.at(-1)));
    assert.ok(
      sent.some((m: string) => m.includes("tool_result") && m.includes(reason)),
      "the reason went to the model in the tool_result",
    );
  });
});
