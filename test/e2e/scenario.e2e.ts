/**
 * The browser scenario: Skein's three used-by flows in a real VS Code workbench served by the
 * VS Code server and driven in Debian's Chromium, plus error + Retry, Stop on a slow stream, and hostile
 * markdown, and time travel (regenerate, branch switching, edit, fork, search). The three flows build
 * on each other; the other checks stand alone. Screenshots:
 * test-results/e2e/NN-step.png.
 */
import * as assert from "node:assert/strict";
import type { Frame } from "playwright-core";
import { Session } from "./session";
import { assistantMessages, typeInComposer, userMessages } from "./workbench";

const BOB = "hi! I'm bob";

/** The little of a webview page's globals the scenario reads (the project's tsconfig has no DOM lib). */
interface Page {
  document: {
    activeElement: { id?: string } | null;
    getElementById(id: string): { value?: string } | null;
    body: { dataset: Record<string, string | undefined> };
  };
  __pwned?: unknown;
}
const DRAFT = "a draft I have not sent yet";

describe("Skein in a real VS Code (browser)", function () {
  this.timeout(180_000);
  let s: Session;
  let chat: Frame;

  before(async function () {
    this.timeout(400_000); // the first run installs the VS Code server
    s = await Session.start((m) => console.log(`    [e2e] ${m}`));
    console.log(`    [e2e] VS Code ${s.vscodeVersion} on ${s.server.url}; screenshots in test-results/e2e/`);
  });

  after(async () => {
    await s?.stop();
  });

  /** The later checks stand alone (SKEIN_E2E_GREP can pick one): open the workbench if no flow did yet. */
  async function newThread(): Promise<Frame> {
    const wb = s.workbench;
    if (!s.page.url().startsWith("http")) {
      await wb.step("workbench-ready", async () => {
        await s.page.goto(s.url);
        await wb.waitReady();
      });
    }
    await wb.runCommand("Skein: New Thread");
    return emptyChat();
  }

  /** The chat once it shows the new, empty thread: typing earlier could race the snapshot that replaces it. */
  async function emptyChat(): Promise<Frame> {
    const frame = await s.workbench.chat();
    await frame.locator("#empty-state").waitFor({ state: "visible" });
    await frame.waitForFunction(
      () => (globalThis as unknown as Page).document.activeElement?.id === "composer",
      undefined,
      { timeout: 30_000 },
    );
    return frame;
  }

  describe("the three used-by flows, in order (a failed flow skips the ones after it)", () => {
    let broken: string | undefined;
    beforeEach(function () {
      if (broken) this.skip();
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed") broken = this.currentTest.title;
    });

    it("1. palette → New Thread → chat focused → a streamed reply → the tree lists the thread", async () => {
      const wb = s.workbench;
      await wb.step("workbench-ready", async () => {
        await s.page.goto(s.url);
        await wb.waitReady();
      });
      // No thread yet: the palette offers New Thread, and none of the commands that need a thread.
      const before = await wb.step("palette-without-thread", () =>
        wb.paletteRows("Skein: Thread", "Skein: Import Thread"),
      );
      assert.ok(
        before.some((row) => row.includes("Skein: New Thread")),
        "New Thread is offered",
      );
      for (const hidden of ["Fork Thread", "Export Thread", "Rename Thread", "Delete Thread", "Open Thread"])
        assert.ok(
          !before.some((row) => row.includes(`Skein: ${hidden}`)),
          `"${hidden}" is hidden without a thread (${before.join(" | ")})`,
        );
      await wb.step("palette-new-thread", () => wb.runCommand("Skein: New Thread"));
      chat = await wb.step("chat-opens-focused", emptyChat);
      await wb.step("reply-streams-in", async () => {
        await typeInComposer(chat, BOB, true);
        await userMessages(chat).filter({ hasText: BOB }).waitFor();
        await assistantMessages(chat).filter({ hasText: "Hello bob! Nice to meet you." }).waitFor();
      });
      await wb.step("tree-lists-thread", async () => {
        await wb.threadRow(/bob/i).waitFor();
      });
      // With a thread that has messages, its commands are offered; "New Thread" still ranks first for its name.
      const after = await wb.step("palette-with-thread", () => wb.paletteRows("Skein: Thread", "Skein: Fork Thread"));
      for (const shown of ["Fork Thread", "Export Thread", "Rename Thread", "Delete Thread"])
        assert.ok(
          after.some((row) => row.includes(`Skein: ${shown}`)),
          `"${shown}" is offered (${after.join(" | ")})`,
        );
      const ranked = await wb.step("palette-ranks-new-thread", () =>
        wb.paletteRows("Skein: New Thread", "Skein: New Thread"),
      );
      assert.ok(ranked[0]?.includes("Skein: New Thread"), `"New Thread" is the first row (${ranked.join(" | ")})`);
    });

    it("2. reload → same thread with history and the unsent draft → what's my name? sends the earlier turn", async () => {
      const wb = s.workbench;
      await wb.step("draft-typed", () => typeInComposer(chat, DRAFT, false));
      await wb.step("after-reload", async () => {
        await wb.runCommand("Developer: Reload Window");
        await wb.waitReady();
        chat = await wb.chat();
        await userMessages(chat).filter({ hasText: BOB }).waitFor();
        await assistantMessages(chat).filter({ hasText: "Hello bob!" }).waitFor();
        // The history came from what the view remembered, painted before the host's snapshot arrived.
        const paintedFrom = await chat.evaluate(
          () => (globalThis as unknown as Page).document.body.dataset.paintedFrom ?? "snapshot",
        );
        assert.equal(paintedFrom, "state", "after a reload the chat paints its remembered history at once");
        await chat.waitForFunction(
          (draft) => (globalThis as unknown as Page).document.getElementById("composer")?.value === draft,
          DRAFT,
          {
            timeout: 30_000,
          },
        );
      });
      await wb.step("name-recalled", async () => {
        await chat.locator("#composer").fill("");
        await typeInComposer(chat, "what's my name?", true);
        await assistantMessages(chat).filter({ hasText: "Your name is bob." }).waitFor();
      });
      const requests = (await s.mock.requests()).filter((r) => r.path === "/v1/messages");
      const asked = requests.filter((r) =>
        JSON.stringify(r.body?.messages?.at(-1)?.content ?? "").includes("what's my name?"),
      );
      assert.ok(asked.length > 0, "the mock received the question");
      const history = JSON.stringify(asked.at(-1)!.body.messages);
      assert.ok(history.includes(BOB) && history.includes("Hello bob!"), "the request carries the earlier turn");
    });

    it("3. open an older thread from the tree; delete a thread (tree and disk); a new thread knows nothing of bob", async () => {
      const wb = s.workbench;
      await wb.step("second-thread", async () => {
        await wb.runCommand("Skein: New Thread");
        chat = await emptyChat();
        await typeInComposer(chat, "a second thread about the weather", true);
        await assistantMessages(chat).filter({ hasText: "This is the mock assistant." }).waitFor();
        // The tree settles once the reply is stored (2 messages); clicking a row while it re-renders can be lost.
        await wb.threadRow(/weather[\s\S]*2 messages/i).waitFor();
      });
      assert.ok(s.storedFilesContaining(BOB).length > 0, "bob's thread is on disk before the delete");
      await wb.step("older-thread-opened", async () => {
        await wb.threadRow(/bob/i).click();
        chat = await wb.chat();
        await assistantMessages(chat).filter({ hasText: "Your name is bob." }).waitFor();
        await userMessages(chat).filter({ hasText: BOB }).waitFor();
      });
      await wb.step("delete-confirmation", async () => {
        const row = wb.threadRow(/bob/i);
        await row.hover();
        await row.locator('.action-label[aria-label^="Delete Thread"]').click();
        await s.page.locator(".monaco-dialog-box").waitFor();
      });
      await wb.step("thread-deleted", async () => {
        await s.page.locator(".monaco-dialog-box .monaco-button", { hasText: /^Delete$/ }).click();
        await wb.threadRow(/bob/i).waitFor({ state: "detached" });
        await wb.threadRow(/weather/i).waitFor();
      });
      assert.deepEqual(s.storedFilesContaining(BOB), [], "no file in Skein's store keeps the deleted thread");
      await wb.step("new-thread-knows-nothing", async () => {
        await wb.runCommand("Skein: New Thread");
        chat = await emptyChat();
        await typeInComposer(chat, "what's my name?", true);
        await assistantMessages(chat).filter({ hasText: "I don't know your name yet" }).waitFor();
      });
    });
  });

  describe("more behaviour (each check opens its own thread)", () => {
    it("a model error shows inline with Retry, and Retry works", async () => {
      const wb = s.workbench;
      await wb.step("error-inline", async () => {
        chat = await newThread();
        await typeInComposer(chat, "this one will fail", true);
        await chat.locator("#chat-error .retry-button").waitFor();
      });
      await wb.step("retry-succeeds", async () => {
        await chat.locator("#chat-error .retry-button").click();
        await assistantMessages(chat).filter({ hasText: "This is the mock assistant." }).waitFor();
        await chat.locator("#chat-error").waitFor({ state: "detached" });
      });
    });

    it("Stop halts a slow stream and the partial reply stays", async () => {
      const wb = s.workbench;
      await wb.step("slow-stream-running", async () => {
        chat = await newThread();
        await typeInComposer(chat, "tell me something slow", true);
        await chat.locator("#stop-button").waitFor({ state: "visible" });
        await assistantMessages(chat).filter({ hasText: "word3 " }).waitFor();
      });
      await wb.step("stopped-partial-kept", async () => {
        await chat.locator("#stop-button").click();
        await chat.locator("#send-button").waitFor({ state: "visible" });
        await chat.locator("#stop-button").waitFor({ state: "hidden" });
      });
      const text = (await assistantMessages(chat).last().innerText()).trim();
      assert.match(text, /word1 word2 word3/, "the partial reply is still shown");
      assert.doesNotMatch(text, /word40\./, "the reply stopped before its end");
    });

    it("a reply streaming when the window reloads comes back as interrupted, and Retry finishes it", async () => {
      const wb = s.workbench;
      await wb.step("streaming-before-reload", async () => {
        chat = await newThread();
        await typeInComposer(chat, "another slow one please", true);
        await assistantMessages(chat).filter({ hasText: "word2 " }).waitFor();
      });
      await wb.step("interrupted-after-reload", async () => {
        await wb.runCommand("Developer: Reload Window");
        await wb.waitReady();
        chat = await wb.chat();
        await userMessages(chat).filter({ hasText: "another slow one please" }).waitFor();
        await chat.locator("#messages .retry-button").waitFor();
      });
      await wb.step("retry-finishes-reply", async () => {
        await chat.locator("#messages .retry-button").click();
        await assistantMessages(chat).filter({ hasText: "word40." }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" });
      });
    });

    it("hostile markdown renders inert: no script runs, no handler or javascript: link survives", async () => {
      const wb = s.workbench;
      await wb.step("hostile-markdown-inert", async () => {
        chat = await newThread();
        await typeInComposer(chat, "show me something hostile", true);
        await assistantMessages(chat).filter({ hasText: "javascript:window.__pwned" }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" }); // the reply has finished
      });
      const reply = assistantMessages(chat).last();
      assert.equal(
        await chat.evaluate(() => (globalThis as unknown as Page).__pwned),
        undefined,
        "no script ran in the webview",
      );
      for (const frame of s.page.frames()) {
        const pwned = await frame.evaluate(() => (globalThis as unknown as Page).__pwned).catch(() => undefined);
        assert.equal(pwned, undefined, `no script ran in frame ${frame.url().slice(0, 80)}`);
      }
      assert.equal(await chat.locator("#messages script").count(), 0, "no <script> element in the messages");
      assert.equal(
        await chat.locator("#messages [onerror], #messages [onload], #messages [onclick]").count(),
        0,
        "no event handler attributes",
      );
      assert.equal(await chat.locator('#messages a[href^="javascript:" i]').count(), 0, "no javascript: link");
      assert.equal(await reply.locator("img").count(), 0, "the hostile <img> was not rendered as an element");
    });

    it("rich markdown renders as formatted text with a copyable code block", async () => {
      const wb = s.workbench;
      await wb.step("rich-markdown", async () => {
        chat = await newThread();
        await typeInComposer(chat, "show me some markdown", true);
        await chat.locator("#send-button").waitFor({ state: "visible" });
        const reply = assistantMessages(chat).last();
        await reply.locator(".code-block .copy-code-button").waitFor();
        await reply.locator("h1, h2, h3").first().waitFor();
      });
    });

    it("a reply of many blocks is grouped into sections that lay out exactly as the blocks alone would", async () => {
      const wb = s.workbench;
      await wb.step("many-blocks-sections", async () => {
        chat = await newThread();
        await typeInComposer(chat, "give me many blocks", true);
        await assistantMessages(chat).filter({ hasText: "The end of the many blocks." }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" }); // the reply has finished
      });
      const layout = await chat.evaluate(() => {
        const bodies = document.querySelectorAll<HTMLElement>(".message-assistant .message-body");
        const body = bodies[bodies.length - 1]!;
        const sections = Array.from(body.querySelectorAll<HTMLElement>(":scope > .md-section"));
        const table = body.querySelector("table")!;
        // Where each block and row sits, grouped as rendered, and with every group taken apart in a copy of the
        // same width: the groups must change nothing. (No named functions in here: the page has no `__name`.)
        const copy = body.cloneNode(true) as HTMLElement;
        body.after(copy);
        for (const section of Array.from(copy.querySelectorAll(":scope > .md-section")))
          section.replaceWith(...Array.from(section.childNodes));
        const copyTable = copy.querySelector("table")!;
        const rows = Array.from(copyTable.querySelectorAll("tbody > *"));
        copyTable.querySelectorAll("tbody").forEach((b, i) => i > 0 && b.remove());
        copyTable.tBodies[0]!.replaceChildren(...rows);
        const [grouped, flat] = [body, copy].map((root) =>
          Array.from(root.querySelectorAll("h2, p, .code-block, blockquote, ul, hr, tr"), (el) =>
            Math.round(el.getBoundingClientRect().top - root.getBoundingClientRect().top),
          ),
        );
        copy.remove();
        return {
          sections: sections.length,
          isolated: sections.every((el) => getComputedStyle(el).isolation === "isolate"),
          bodies: table.tBodies.length,
          grouped,
          flat,
        };
      });
      assert.ok(layout.sections >= 3, `sections: ${layout.sections}`);
      assert.ok(layout.isolated, "each section is isolated");
      assert.equal(layout.bodies, 3, "the 230-row table's rows are in three bodies");
      assert.ok(layout.grouped.length > 300);
      assert.deepEqual(layout.grouped, layout.flat);
    });

    it("Export says where the file went, and Open shows it", async () => {
      const wb = s.workbench;
      const input = s.page.locator(".quick-input-widget .quick-input-box input");
      await wb.step("export-thread", async () => {
        chat = await newThread();
        await typeInComposer(chat, "show me some markdown", true);
        await chat.locator("#send-button").waitFor({ state: "visible" });
        await wb.threadRow(/show me some markdown/).waitFor();
      });
      await wb.step("exported-notice", async () => {
        // Not runCommand: the command opens its own quick pick (the format) at once.
        await s.page.keyboard.press("Escape");
        await s.page.keyboard.press("F1");
        await input.waitFor({ state: "visible" });
        await input.fill(">Skein: Export Thread");
        await s.page
          .locator(".quick-input-widget .quick-input-list .monaco-list-row")
          .filter({ hasText: "Skein: Export Thread" })
          .first()
          .click();
        await s.page.locator(".quick-input-widget .quick-input-title", { hasText: "Export Thread" }).waitFor();
        await s.page
          .locator(".quick-input-widget .quick-input-list .monaco-list-row")
          .filter({ hasText: "Readable" })
          .first()
          .click();
        // VS Code's own save dialog, at the workspace folder with the thread's name: accept it.
        const path = s.page.locator(".quick-input-widget .quick-input-box input");
        await s.page.waitForFunction(
          () => {
            const el = (
              globalThis as unknown as { document: { querySelector(q: string): { value?: string } | null } }
            ).document.querySelector(".quick-input-widget .quick-input-box input");
            return (el?.value ?? "").endsWith(".md");
          },
          undefined,
          { timeout: 30_000 },
        );
        await path.press("Enter");
        // The notification, from the notification centre (a toast may have timed out on a loaded machine).
        await wb.runCommand("Notifications: Show Notifications");
        const notice = s.page.locator(".notifications-center .notification-list-item", { hasText: "Exported" });
        await notice.waitFor();
        await notice.locator(".monaco-button", { hasText: "Open" }).click();
        await s.page.locator(".tabs-container .tab.active", { hasText: ".md" }).waitFor();
        await s.page.locator(".monaco-editor .view-lines", { hasText: "show me some markdown" }).first().waitFor();
      });
    });
  });

  describe("time travel: regenerate, switch branches, edit, reload, fork, search", () => {
    it("regenerate → ‹ 1/2 → edit → 2/2 survives a reload → fork keeps the history up to the message → search opens the older branch", async () => {
      const wb = s.workbench;
      const CAROL = "hi! I'm carol";
      const DAVE = "hi! I'm dave";
      const position = (role: string) => chat.locator(`#messages [data-role="${role}"] .branch-position`).first();
      /** The last user text of every Messages API request the mock received, oldest first. */
      const sentTexts = async () =>
        (await s.mock.requests())
          .filter((r) => r.path === "/v1/messages")
          .map((r) => JSON.stringify(r.body?.messages?.at(-1)?.content ?? ""));
      let firstReplyId = "";

      await wb.step("tt-first-reply", async () => {
        chat = await newThread();
        await typeInComposer(chat, CAROL, true);
        await assistantMessages(chat).filter({ hasText: "Hello carol!" }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" }); // the reply has finished
        firstReplyId = (await assistantMessages(chat).first().getAttribute("data-message-id")) ?? "";
      });
      assert.ok(firstReplyId, "the first reply has a message id");

      await wb.step("tt-regenerated-2of2", async () => {
        const reply = assistantMessages(chat).first();
        await reply.hover();
        await reply.locator(".regenerate-button").click();
        await position("assistant").filter({ hasText: "2/2" }).waitFor();
        await assistantMessages(chat).filter({ hasText: "Hello carol!" }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" });
      });
      const regeneratedId = await assistantMessages(chat).first().getAttribute("data-message-id");
      assert.notEqual(regeneratedId, firstReplyId, "step tt-regenerated-2of2: the shown reply is the new one");
      assert.equal(
        (await sentTexts()).filter((t) => t.includes(CAROL)).length,
        2,
        "step tt-regenerated-2of2: the mock was asked twice for carol's reply",
      );

      await wb.step("tt-switched-back-1of2", async () => {
        await assistantMessages(chat).first().locator(".branch-prev").click();
        await position("assistant").filter({ hasText: "1/2" }).waitFor();
        await chat.locator(`#messages [data-role="assistant"][data-message-id="${firstReplyId}"]`).waitFor();
      });

      await wb.step("tt-editing", async () => {
        const mine = userMessages(chat).first();
        await mine.hover();
        await mine.locator(".edit-button").click();
        await chat.locator(".edit-box .edit-input").fill(DAVE);
      });
      await wb.step("tt-edited-2of2", async () => {
        await chat.locator(".edit-box .edit-save").click();
        await assistantMessages(chat).filter({ hasText: "Hello dave!" }).waitFor();
        await userMessages(chat).filter({ hasText: DAVE }).waitFor();
        await position("user").filter({ hasText: "2/2" }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" });
      });
      assert.ok(
        (await sentTexts()).some((t) => t.includes(DAVE)),
        "step tt-edited-2of2: the mock received the edited text",
      );
      assert.equal(
        await userMessages(chat).filter({ hasText: CAROL }).count(),
        0,
        "step tt-edited-2of2: the old text is not shown",
      );

      await wb.step("tt-second-turn", async () => {
        await typeInComposer(chat, "what's my name?", true);
        await assistantMessages(chat).filter({ hasText: "Your name is dave." }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" });
      });

      await wb.step("tt-after-reload-2of2", async () => {
        await wb.runCommand("Developer: Reload Window");
        await wb.waitReady();
        chat = await wb.chat();
        await position("user").filter({ hasText: "2/2" }).waitFor();
        await userMessages(chat).filter({ hasText: DAVE }).waitFor();
        await assistantMessages(chat).filter({ hasText: "Your name is dave." }).waitFor();
      });

      await wb.step("tt-forked", async () => {
        const reply = assistantMessages(chat).first();
        await reply.hover();
        await reply.locator(".fork-button").click();
        await wb.threadRow(/carol \(fork\)[\s\S]*2 messages/).waitFor();
        await assistantMessages(chat).filter({ hasText: "Your name is dave." }).waitFor({ state: "detached" });
        await assistantMessages(chat).filter({ hasText: "Hello dave!" }).waitFor();
        // The tree's selection moves to the fork (the thread now open), not left on the forked one.
        await wb
          .selectedThreadRow()
          .filter({ hasText: /\(fork\)/ })
          .waitFor();
      });
      assert.equal(await userMessages(chat).count(), 1, "step tt-forked: the fork shows only the first user message");
      assert.equal(
        await assistantMessages(chat).count(),
        1,
        "step tt-forked: the fork shows only the reply it was forked at",
      );

      const input = s.page.locator(".quick-input-widget .quick-input-box input");
      const hit = s.page
        .locator(".quick-input-widget .quick-input-list .monaco-list-row")
        .filter({ hasText: "carol" })
        .filter({ hasText: "You" })
        .first(); // carol's message, not the title hit
      await wb.step("tt-search-results", async () => {
        // Not runCommand: the Search Threads quick pick stays open after the command row is picked.
        await s.page.keyboard.press("Escape");
        await s.page.keyboard.press("F1");
        await input.waitFor({ state: "visible" });
        await input.fill(">Skein: Search Threads");
        await s.page
          .locator(".quick-input-widget .quick-input-list .monaco-list-row")
          .filter({ hasText: "Skein: Search Threads" })
          .first()
          .click();
        await s.page.locator(".quick-input-widget .quick-input-title", { hasText: "Search Threads" }).waitFor();
        // Nothing found says so, with the words searched for.
        await input.fill("zebra crossing");
        await s.page
          .locator(".quick-input-widget .quick-input-list .monaco-list-row")
          .filter({ hasText: "No thread mentions “zebra crossing”." })
          .waitFor();
        await input.fill("carol");
        await hit.waitFor();
        // The snippet is plain text with the match highlighted.
        await hit
          .locator(".quick-input-list-label-meta .highlight", { hasText: /^carol$/i })
          .first()
          .waitFor();
      });
      await wb.step("tt-search-opened-older-branch", async () => {
        await hit.click();
        await userMessages(chat).filter({ hasText: CAROL }).waitFor();
        await position("user").filter({ hasText: "1/2" }).waitFor();
        // The tree's selection follows to the thread the search opened (the original, not the fork).
        await wb
          .selectedThreadRow()
          .filter({ hasText: /carol/ })
          .filter({ hasNotText: /\(fork\)/ })
          .waitFor();
      });
    });
  });
});
