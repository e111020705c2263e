/**
 * The browser scenario for where the chat lands and how it looks, measured in the real webview of a real VS Code:
 * a finished long reply ends in view, a thread reopened from the tree shows its newest reply, a reload brings back
 * the same message at the same offset (or the interrupted reply and its Retry), a version switch keeps the
 * clicked "‹ ›" under the pointer, long messages collapse, the composer grows then scrolls, and code blocks are
 * coloured and offer Insert at Cursor / Open in New Editor — in the dark and the light theme.
 * Screenshots: test-results/e2e/NN-landing-*.png.
 */
import * as assert from "node:assert/strict";
import type { Frame, Locator, Page } from "playwright-core";
import { Session } from "./session";
import { assistantMessages, typeInComposer, userMessages } from "./workbench";

const LONG = "give me a long answer";
const LONG_END = "The end of the long answer.";

/** The little of the DOM the page functions below use (the project's tsconfig has no DOM lib). */
interface Rect {
  top: number;
  bottom: number;
  left: number;
  height: number;
}
interface El {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  className: string;
  dataset: Record<string, string | undefined>;
  getBoundingClientRect(): Rect;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): El[];
  closest(selector: string): El | null;
  textContent: string | null;
}
interface Colours {
  keyword: string;
  control: string;
  comment: string;
}
interface Win {
  document: {
    getElementById(id: string): El;
    elementFromPoint(x: number, y: number): El | null;
    querySelectorAll(s: string): El[];
  };
  requestAnimationFrame(cb: () => void): void;
  getComputedStyle(el: El): { color: string; borderLeftColor: string };
  innerHeight: number;
}

/** How far the list is from its bottom, and whether the end of the last message is inside the view. */
async function landing(chat: Frame): Promise<{ gap: number; lastEndInView: boolean }> {
  return chat.evaluate(() => {
    const m = (globalThis as unknown as Win).document.getElementById("messages");
    const all = m.querySelectorAll("[data-message-id]");
    const last = all[all.length - 1]!;
    const view = m.getBoundingClientRect();
    return {
      gap: m.scrollHeight - m.scrollTop - m.clientHeight,
      lastEndInView: last.getBoundingClientRect().bottom <= view.bottom + 1,
    };
  });
}

/**
 * The colours the editor gives the fibonacci code's tokens (`let`: storage.type, `return`: keyword.control, the
 * comment), and the colours the chat gives the same tokens in its code block: both read as the browser paints them.
 */
async function tokenColours(page: Page, reply: Locator): Promise<{ editor: Colours; chat: Colours }> {
  // The editor tokenizes in the background, line by line (slower while extensions are still activating): wait
  // until `let`, `return` and the comment each have a token colour class of their own (not the default).
  await page.waitForFunction(() => {
    const doc = (globalThis as unknown as Win).document;
    let keyword = false;
    let control = false;
    let comment = false;
    for (const span of doc.querySelectorAll(".monaco-editor .view-lines .view-line span span")) {
      if (span.className === "mtk1") continue;
      const text = span.textContent ?? "";
      keyword ||= text.trim() === "let";
      control ||= text.trim() === "return";
      comment ||= text.includes("Iterative");
    }
    return keyword && control && comment;
  });
  // (no helper functions in the page functions: the page does not have the test runner's name-keeping helper)
  const editor = await page.evaluate(() => {
    const w = globalThis as unknown as Win;
    const found: Colours = { keyword: "", control: "", comment: "" };
    for (const span of w.document.querySelectorAll(".monaco-editor .view-lines .view-line span span")) {
      const text = span.textContent ?? "";
      if (!found.keyword && text.trim() === "let") found.keyword = w.getComputedStyle(span).color;
      if (!found.control && text.trim() === "return") found.control = w.getComputedStyle(span).color;
      if (!found.comment && text.includes("Iterative")) found.comment = w.getComputedStyle(span).color;
    }
    return found;
  });
  const chat = await reply
    .locator(".code-block")
    .first()
    .evaluate((block) => {
      const w = globalThis as unknown as Win;
      const found: Colours = { keyword: "", control: "", comment: "" };
      for (const span of (block as unknown as El).querySelectorAll("code.hljs span")) {
        const text = span.textContent ?? "";
        if (!found.keyword && span.className === "hljs-keyword" && text === "let")
          found.keyword = w.getComputedStyle(span).color;
        if (!found.control && span.className === "hljs-keyword hljs-control" && text === "return")
          found.control = w.getComputedStyle(span).color;
        if (!found.comment && span.className === "hljs-comment" && text.includes("Iterative"))
          found.comment = w.getComputedStyle(span).color;
      }
      return found;
    });
  return { editor, chat };
}

/** Waits two frames in the webview (its scroll and resize handling have run). */
async function frames(chat: Frame): Promise<void> {
  await chat.evaluate(
    () =>
      new Promise<void>((done) =>
        (globalThis as unknown as Win).requestAnimationFrame(() =>
          (globalThis as unknown as Win).requestAnimationFrame(done),
        ),
      ),
  );
}

/** The top of a message relative to the top of the list's view. */
async function offsetOf(chat: Frame, messageId: string): Promise<number> {
  return chat.evaluate((id) => {
    const m = (globalThis as unknown as Win).document.getElementById("messages");
    const el = m.querySelector(`[data-message-id="${id}"]`)!;
    return el.getBoundingClientRect().top - m.getBoundingClientRect().top;
  }, messageId);
}

describe("Skein in a real VS Code (browser): where the chat lands, and how it looks", function () {
  this.timeout(180_000);
  let s: Session;
  let chat: Frame;
  let broken: string | undefined;

  before(async function () {
    this.timeout(400_000);
    s = await Session.start((m) => console.log(`    [e2e] ${m}`));
    await s.workbench.step("landing-workbench", async () => {
      await s.page.goto(s.url);
      await s.workbench.waitReady();
    });
  });
  after(async () => {
    await s?.stop();
  });
  beforeEach(function () {
    if (broken) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") broken = this.currentTest.title;
  });

  async function newThread(): Promise<Frame> {
    await s.workbench.runCommand("Skein: New Thread");
    const frame = await s.workbench.chat();
    await frame.locator("#empty-state").waitFor({ state: "visible" });
    return frame;
  }

  async function sendAndFinish(text: string, done: string): Promise<void> {
    await typeInComposer(chat, text, true);
    await assistantMessages(chat).filter({ hasText: done }).waitFor();
    await chat.locator("#send-button").waitFor({ state: "visible" });
  }

  it("a finished long reply ends in view at the bottom, with its code coloured", async () => {
    const wb = s.workbench;
    await wb.step("landing-long-reply", async () => {
      chat = await newThread();
      await sendAndFinish(LONG, LONG_END);
      // The last thing to change the reply's layout: the highlighter arrives and colours its code.
      await assistantMessages(chat).last().locator("code.hljs .hljs-keyword").first().waitFor();
      await frames(chat);
    });
    const { gap, lastEndInView } = await landing(chat);
    assert.ok(gap <= 1, `the list is at its bottom after the reply completed (${gap} px above it)`);
    assert.ok(lastEndInView, "the end of the reply is inside the view");
    const colours = await assistantMessages(chat)
      .last()
      .evaluate((reply) => {
        const w = globalThis as unknown as Win;
        const el = reply as unknown as El;
        // (no helper function in here: the page does not have the test runner's name-keeping helper)
        return {
          plain: w.getComputedStyle(el.querySelector("code.hljs")!).color,
          keyword: w.getComputedStyle(el.querySelector("code.hljs .hljs-keyword")!).color,
          string: w.getComputedStyle(el.querySelector("code.hljs .hljs-string")!).color,
        };
      });
    assert.notEqual(colours.keyword, colours.plain, "keywords have their own colour");
    assert.notEqual(colours.string, colours.keyword, "strings and keywords differ");
  });

  it("reopening the thread from the tree shows its latest reply; the tree selects the open thread", async () => {
    const wb = s.workbench;
    await wb.step("landing-other-thread", async () => {
      chat = await newThread();
      await sendAndFinish("hello there", "This is the mock assistant.");
    });
    await wb.step("landing-tree-selects-open-thread", async () => {
      await wb
        .threadRow(/hello there/)
        .and(s.page.locator("[aria-selected='true']"))
        .waitFor();
    });
    await wb.step("landing-new-thread-thrice-no-empty-rows", async () => {
      const rows = await wb.threadRows().count();
      // Three clicks on the chat's New Thread button, as in a first hour.
      const header = s.page.locator(".pane-header", { hasText: "Chat" });
      for (let i = 0; i < 3; i++) {
        await header.hover();
        await header.locator('.action-label[aria-label^="New Thread"]').click();
      }
      chat = await wb.chat();
      await chat.locator("#empty-state").waitFor({ state: "visible" });
      // The open thread has no row yet, so no row is selected; and no "0 messages" rows appeared.
      await s.page
        .locator(".pane .monaco-list-row[aria-selected='true']")
        .filter({ hasText: /hello there|long answer/ })
        .waitFor({ state: "detached" });
      assert.equal(await wb.threadRows().count(), rows, "three New Thread clicks add no rows");
      assert.equal(
        await wb
          .threadRows()
          .filter({ hasText: /0 messages/ })
          .count(),
        0,
        "no empty thread is listed",
      );
    });
    await wb.step("landing-reopened-from-tree", async () => {
      await wb.threadRow(/long answer/).click();
      chat = await wb.chat();
      await assistantMessages(chat).filter({ hasText: LONG_END }).waitFor();
      await chat.waitForFunction(() => {
        const m = (globalThis as unknown as Win).document.getElementById("messages");
        return m.scrollHeight - m.scrollTop - m.clientHeight <= 1;
      });
      await frames(chat);
    });
    const { gap, lastEndInView } = await landing(chat);
    assert.ok(gap <= 1 && lastEndInView, `the reopened thread shows its latest reply (${gap} px above the bottom)`);
    await wb
      .threadRow(/long answer/)
      .and(s.page.locator("[aria-selected='true']"))
      .waitFor();
  });

  it("scrolled up, a reload comes back to the same message at the same offset", async () => {
    const wb = s.workbench;
    const reply = assistantMessages(chat).filter({ hasText: LONG_END });
    const id = (await reply.getAttribute("data-message-id"))!;
    let before = 0;
    await wb.step("landing-scrolled-up", async () => {
      // As if the scrollbar were dragged: the reply's top 137 px above the top of the view.
      await chat.evaluate((messageId) => {
        const m = (globalThis as unknown as Win).document.getElementById("messages");
        const el = m.querySelector(`[data-message-id="${messageId}"]`)!;
        m.scrollTop += el.getBoundingClientRect().top - m.getBoundingClientRect().top + 137;
      }, id);
      await frames(chat);
      before = await offsetOf(chat, id);
    });
    assert.ok(Math.abs(before + 137) <= 1, `scrolled to the offset (${before})`);
    await wb.step("landing-after-reload-same-offset", async () => {
      await wb.runCommand("Developer: Reload Window");
      await wb.waitReady();
      chat = await wb.chat();
      await assistantMessages(chat).filter({ hasText: LONG_END }).waitFor();
      await assistantMessages(chat).last().locator("code.hljs").first().waitFor();
      await frames(chat);
    });
    const after = await offsetOf(chat, id);
    assert.ok(
      Math.abs(after - before) <= 1,
      `the reply is where it was: ${before} px before the reload, ${after} px after`,
    );
  });

  it("a reply cut off by a reload comes back with the interrupted reply and its Retry in view", async () => {
    const wb = s.workbench;
    await wb.step("landing-slow-streaming", async () => {
      await chat.evaluate(() => {
        const m = (globalThis as unknown as Win).document.getElementById("messages");
        m.scrollTop = m.scrollHeight;
      });
      await typeInComposer(chat, "now tell me something slow", true);
      await assistantMessages(chat).filter({ hasText: "word2 " }).waitFor();
    });
    await wb.step("landing-interrupted-in-view", async () => {
      await wb.runCommand("Developer: Reload Window");
      await wb.waitReady();
      chat = await wb.chat();
      await chat.locator("#messages .retry-button").waitFor();
      await frames(chat);
    });
    const seen = await chat.evaluate(() => {
      const doc = (globalThis as unknown as Win).document;
      const view = doc.getElementById("messages").getBoundingClientRect();
      const retry = doc.getElementById("messages").querySelector(".retry-button")!.getBoundingClientRect();
      const cut = doc.getElementById("messages").querySelector(".message.interrupted .interrupted-note");
      const note = cut?.getBoundingClientRect();
      return {
        retry: retry.top >= view.top && retry.bottom <= view.bottom + 1,
        note: note ? note.top >= view.top && note.bottom <= view.bottom + 1 : false,
      };
    });
    assert.ok(seen.retry, "Retry is inside the view after the reload");
    assert.ok(seen.note, "the interrupted reply's note is inside the view");
    await wb.step("landing-retried", async () => {
      await chat.locator("#messages .retry-button").click();
      await assistantMessages(chat).filter({ hasText: "word40." }).waitFor();
      await chat.locator("#send-button").waitFor({ state: "visible" });
    });
  });

  it("clicking ‹ or › keeps the clicked control under the pointer", async () => {
    const wb = s.workbench;
    const first = () => assistantMessages(chat).first();
    await wb.step("landing-branch-setup", async () => {
      chat = await newThread();
      await sendAndFinish("hi! I'm erin", "Hello erin!");
      await sendAndFinish(LONG, LONG_END);
      await first().hover();
      await first().locator(".regenerate-button").click();
      await first().locator(".branch-position").filter({ hasText: "2/2" }).waitFor();
      await chat.locator("#send-button").waitFor({ state: "visible" });
    });
    for (const [button, position] of [
      [".branch-prev", "1/2"],
      [".branch-next", "2/2"],
    ] as const) {
      await wb.step(`landing-branch-${position.replace("/", "of")}`, async () => {
        await first().hover();
        const box = (await first().locator(button).boundingBox())!;
        const x = box.x + box.width / 2;
        const y = box.y + box.height / 2;
        await s.page.mouse.click(x, y);
        await first().locator(".branch-position").filter({ hasText: position }).waitFor();
        await chat.locator("#send-button").waitFor({ state: "visible" });
        await frames(chat);
        const after = (await first().locator(button).boundingBox())!;
        assert.ok(
          Math.abs(after.y - box.y) <= 1 && Math.abs(after.x - box.x) <= 1,
          `${button} stayed under the pointer (${box.y} → ${after.y})`,
        );
      });
    }
    assert.equal(
      await assistantMessages(chat).filter({ hasText: LONG_END }).count(),
      0,
      "the second version has no long continuation",
    );
  });

  it("a long message collapses with Show more; the composer grows with its text, then scrolls", async () => {
    const wb = s.workbench;
    const composer = chat.locator("#composer");
    const size = () =>
      composer.evaluate((el) => ({
        height: (el as unknown as El).getBoundingClientRect().height,
        scroll: (el as unknown as El).scrollHeight,
        client: (el as unknown as El).clientHeight,
      }));
    const empty = await size();
    await composer.fill("one\ntwo\nthree\nfour\nfive\nsix");
    const six = await size();
    const long = Array.from(
      { length: 120 },
      (_, i) => `Line ${i + 1} of a very long message pasted into the chat.`,
    ).join("\n");
    await wb.step("landing-composer-grown", async () => {
      await composer.fill(long);
    });
    const full = await size();
    const limit = await chat.evaluate(() => (globalThis as unknown as Win).innerHeight * 0.4);
    assert.ok(six.height > empty.height, `six lines make the composer taller (${empty.height} → ${six.height})`);
    assert.ok(
      full.height <= limit + 1 && full.height > six.height,
      `it grows up to 40% of the view (${full.height} ≤ ${limit})`,
    );
    assert.ok(full.scroll > full.client, "beyond that it scrolls");
    await wb.step("landing-long-message-collapsed", async () => {
      await composer.press("Enter");
      await userMessages(chat).filter({ hasText: "Line 1 of" }).locator(".show-more-button").waitFor();
      await chat.locator("#send-button").waitFor({ state: "visible" });
    });
    const mine = userMessages(chat).filter({ hasText: "Line 1 of" });
    const collapsed = (await mine.boundingBox())!.height;
    assert.ok(collapsed < 450, `the long message is collapsed (${collapsed} px)`);
    assert.ok(
      (await composer.evaluate((el) => (el as unknown as El).getBoundingClientRect().height)) <= empty.height + 1,
      "the composer is small again after sending",
    );
    await wb.step("landing-long-message-expanded", async () => {
      await mine.locator(".show-more-button").click();
      await mine.locator(".show-more-button", { hasText: "Show less" }).waitFor();
    });
    assert.ok((await mine.boundingBox())!.height > collapsed * 3, "Show more shows the whole message");
  });

  it("code blocks open in a new editor and insert at the cursor; the light theme keeps everything readable", async () => {
    const wb = s.workbench;
    await wb.step("landing-code-open-in-editor", async () => {
      chat = await newThread();
      await sendAndFinish(LONG, LONG_END);
      const block = assistantMessages(chat).last().locator(".code-block").first();
      await block.hover();
      await block.locator(".open-code-button").click();
      await s.page.locator(".monaco-editor .view-lines", { hasText: "fibonacci" }).first().waitFor();
      await s.page.locator(".statusbar-item", { hasText: "TypeScript" }).first().waitFor();
      await s.page.locator(".monaco-editor .view-lines .view-line", { hasText: "Iterative" }).first().waitFor();
    });
    // The chat colours code as the editor does under the same theme (the theme's own token rules).
    const before = await tokenColours(s.page, assistantMessages(chat).last());
    assert.ok(before.editor.keyword && before.editor.control && before.editor.comment, "the editor shows the tokens");
    assert.deepEqual(before.chat, before.editor, "the chat's code takes the editor's token colours");
    await wb.step("landing-code-inserted", async () => {
      const python = assistantMessages(chat).last().locator(".code-block").nth(1);
      await python.hover();
      await python.locator(".insert-code-button").click();
      await s.page.locator(".monaco-editor .view-lines", { hasText: "def greet" }).first().waitFor();
    });
    // The profile starts in one of the default themes; the code, quote and notes are looked at in both.
    const startsLight = (await chat.locator("body.vscode-light").count()) > 0;
    await wb.step(`landing-theme-${startsLight ? "light" : "dark"}`, async () => {
      await assistantMessages(chat).last().locator("blockquote").scrollIntoViewIfNeeded();
    });
    await wb.step(`landing-theme-${startsLight ? "dark" : "light"}`, async () => {
      await wb.runCommand("Preferences: Toggle between Light/Dark Themes");
      await chat.locator(startsLight ? "body.vscode-dark" : "body.vscode-light").waitFor();
      await assistantMessages(chat).last().locator("blockquote").scrollIntoViewIfNeeded();
    });
    // After the switch, once the chat has taken the new theme's colours, they still match the editor's.
    const reply = assistantMessages(chat).last();
    let after = await tokenColours(s.page, reply);
    for (let i = 0; i < 100 && after.chat.keyword === before.chat.keyword; i++) {
      await s.page.waitForTimeout(100); // polling for the host's new colours, not a wait for time to pass
      after = await tokenColours(s.page, reply);
    }
    assert.notEqual(after.editor.keyword, before.editor.keyword, "the editor's colours changed with the theme");
    assert.deepEqual(after.chat, after.editor, "after a theme change the chat's code follows the editor's colours");
    const quote = await assistantMessages(chat)
      .last()
      .locator("blockquote")
      .evaluate((el) => (globalThis as unknown as Win).getComputedStyle(el as unknown as El).borderLeftColor);
    assert.notEqual(quote, "rgba(0, 0, 0, 0)", "the quote has a visible edge in both themes");
  });
});
