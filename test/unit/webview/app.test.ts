// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import { hostMessage, type HostMessage } from "../../../src/protocol/messages";
import type { ChatMessageView, ChatSnapshot, PersistedViewState } from "../../../src/protocol/types";
import { ChatApp } from "../../../src/webview/app";
import { FIRST_PAGE, PAGE } from "../../../src/webview/messages/messageList";
import { testStrings } from "./strings";
import { snapshotOf, WebviewHost } from "./host";

const strings = testStrings;

const snapshot = (over: Partial<ChatSnapshot> = {}): ChatSnapshot => snapshotOf(strings, over);

function turns(n: number): ChatMessageView[] {
  const out: ChatMessageView[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ id: `u${i}`, role: "user", text: `question ${i}` });
    out.push({ id: `a${i}`, role: "assistant", text: `**answer** ${i}` });
  }
  return out;
}

function setup(initial?: PersistedViewState) {
  document.body.innerHTML = '<div id="app"></div>';
  const host = new WebviewHost(initial);
  const app = new ChatApp(document.getElementById("app")!, host);
  const receive = (m: HostMessage) => app.receive(m);
  return { host, app, receive };
}

const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const $$ = (selector: string) => Array.from(document.querySelectorAll<HTMLElement>(selector));

function key(el: HTMLElement, init: KeyboardEventInit) {
  el.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
}

describe("chat webview", () => {
  beforeEach(() => {
    document.body.replaceChildren();
  });

  it("says ready with what it remembered (thread, draft, scroll)", () => {
    const { host, app } = setup({ threadId: "t1", draft: "half a thought", scrollFromBottom: 120 });
    app.start();
    expect(host.posted).toEqual([
      { type: "ready", params: { state: { threadId: "t1", draft: "half a thought", scrollFromBottom: 120 } } },
    ]);
  });

  it("renders a snapshot with stable hooks: data-role, data-message-id, #composer, buttons", () => {
    const { receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: turns(2), draft: "keep me" })));
    expect($$(".message").map((el) => [el.dataset.role, el.dataset.messageId])).toEqual([
      ["user", "u0"],
      ["assistant", "a0"],
      ["user", "u1"],
      ["assistant", "a1"],
    ]);
    expect($('[data-message-id="a1"] strong')?.textContent).toBe("answer");
    expect($<HTMLTextAreaElement>("#composer")!.value).toBe("keep me");
    expect($("#composer")!.getAttribute("aria-label")).toBe("Message");
    expect($("#send-button")!.getAttribute("aria-label")).toBe("Send");
    expect($("#send-button")!.hidden).toBe(false);
    expect($("#stop-button")!.hidden).toBe(true);
    expect($("#empty-state")!.hidden).toBe(true);
  });

  it("shows the empty state for a new thread and focuses the composer when asked", () => {
    const { receive } = setup();
    receive(hostMessage("snapshot", snapshot({ focus: true })));
    expect($("#empty-state")!.hidden).toBe(false);
    expect($("#empty-state")!.textContent).toBe("Empty.");
    expect(document.activeElement?.id).toBe("composer");
  });

  it("without an API key the empty state offers Set API Key", () => {
    const { host, receive } = setup();
    receive(hostMessage("snapshot", snapshot({ needsApiKey: true })));
    expect($("#empty-state")!.textContent).toContain("Needs a key.");
    $<HTMLButtonElement>("#empty-state .set-api-key-button")!.click();
    expect(host.last("command")).toEqual({ type: "command", params: { command: "setApiKey" } });
    receive(hostMessage("snapshot", snapshot({ needsApiKey: false })));
    expect($("#empty-state .set-api-key-button")).toBeNull();
  });

  it("Enter sends, Shift+Enter does not; the message shows at once and Stop replaces Send", () => {
    const { host, receive } = setup();
    receive(hostMessage("snapshot", snapshot()));
    const composer = $<HTMLTextAreaElement>("#composer")!;
    composer.value = "line one";
    key(composer, { key: "Enter", shiftKey: true });
    expect(host.last("send")).toBeUndefined();
    key(composer, { key: "Enter", isComposing: true });
    expect(host.last("send")).toBeUndefined();
    key(composer, { key: "Enter" });
    expect(host.last("send")).toEqual({ type: "send", params: { threadId: "t1", text: "line one" } });
    expect(composer.value).toBe("");
    expect($('[data-role="user"][data-pending="true"]')?.textContent).toContain("line one");
    expect($("#stop-button")!.hidden).toBe(false);
    expect($("#send-button")!.hidden).toBe(true);
    // The stored user message replaces the optimistic one.
    receive(hostMessage("messages", { threadId: "t1", messages: [{ id: "u9", role: "user", text: "line one" }] }));
    expect($$('[data-role="user"]').map((el) => el.dataset.messageId)).toEqual(["u9"]);
  });

  it("does not send blank text or while a reply streams", () => {
    const { host, receive } = setup();
    receive(hostMessage("snapshot", snapshot({ streaming: {} })));
    const composer = $<HTMLTextAreaElement>("#composer")!;
    composer.value = "   ";
    key(composer, { key: "Enter" });
    composer.value = "real";
    key(composer, { key: "Enter" });
    expect(host.last("send")).toBeUndefined();
    $("#stop-button")!.click();
    expect(host.last("stop")).toEqual({ type: "stop", params: { threadId: "t1" } });
    host.posted = [];
    key(composer, { key: "Escape" });
    expect(host.last("stop")).toEqual({ type: "stop", params: { threadId: "t1" } });
  });

  it("streams tokens into one assistant message, then the stored message replaces it", () => {
    const { app, receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: turns(1) })));
    receive(hostMessage("status", { threadId: "t1", streaming: {}, interrupted: false }));
    receive(hostMessage("tokens", { threadId: "t1", messageId: "a1", text: "Hel" }));
    receive(hostMessage("tokens", { threadId: "t1", messageId: "a1", text: "lo **bob**" }));
    app.list.flush();
    const streaming = $('[data-message-id="a1"]')!;
    expect(streaming.classList.contains("streaming")).toBe(true);
    expect(streaming.getAttribute("aria-busy")).toBe("true");
    expect(streaming.querySelector(".message-body")!.textContent!.trim()).toBe("Hello bob");
    expect(streaming.querySelector("strong")?.textContent).toBe("bob");
    receive(
      hostMessage("messages", { threadId: "t1", messages: [{ id: "a1", role: "assistant", text: "Hello **bob**!" }] }),
    );
    receive(hostMessage("status", { threadId: "t1", streaming: null, interrupted: false }));
    expect($$('[data-message-id="a1"]')).toHaveLength(1);
    expect($('[data-message-id="a1"]')!.hasAttribute("aria-busy")).toBe(false);
    expect($('[data-message-id="a1"] .message-body')!.textContent!.trim()).toBe("Hello bob!");
    expect($("#send-button")!.hidden).toBe(false);
  });

  it("ignores messages for another thread and malformed messages", () => {
    const { receive, app } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: turns(1) })));
    receive(hostMessage("tokens", { threadId: "other", messageId: "x", text: "nope" }));
    app.receive({ type: "tokens", params: { threadId: "t1" } });
    app.receive({ type: "snapshot", params: null });
    app.receive("<script>");
    app.list.flush();
    expect($$(".message")).toHaveLength(2);
  });

  it("shows an error inline with Retry, and Set API Key for key errors", () => {
    const { host, receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: turns(1) })));
    receive(
      hostMessage("error", {
        threadId: "t1",
        error: { code: "missing_api_key", message: "No key <b>set</b>", actions: ["setApiKey", "retry"] },
      }),
    );
    const box = $("#chat-error")!;
    expect(box.dataset.role).toBe("error");
    expect(box.dataset.errorCode).toBe("missing_api_key");
    expect(box.getAttribute("role")).toBe("alert");
    expect(box.querySelector(".error-text")!.textContent).toBe("No key <b>set</b>");
    expect(box.querySelector("b")).toBeNull();
    $(".set-api-key-button")!.click();
    expect(host.last("command")).toEqual({ type: "command", params: { command: "setApiKey" } });
    $("#chat-error .retry-button")!.click();
    expect(host.last("retry")).toEqual({ type: "retry", params: { threadId: "t1" } });
    receive(hostMessage("error", { threadId: "t1", error: null }));
    expect($("#chat-error")).toBeNull();
  });

  it("shows a reply interrupted by a reload with Retry", () => {
    const { host, receive } = setup();
    receive(
      hostMessage("snapshot", snapshot({ messages: [{ id: "u0", role: "user", text: "hi" }], interrupted: true })),
    );
    const notice = $("#interrupted-notice")!;
    expect(notice.dataset.role).toBe("interrupted");
    expect(notice.textContent).toContain("Interrupted.");
    notice.querySelector<HTMLElement>(".retry-button")!.click();
    expect(host.last("retry")).toEqual({ type: "retry", params: { threadId: "t1" } });
  });

  it("a cut-off reply (window closed mid-stream) gets Retry without repeating the notice text", () => {
    const { host, receive } = setup();
    receive(
      hostMessage(
        "snapshot",
        snapshot({
          messages: [
            { id: "u0", role: "user", text: "hi" },
            { id: "a0", role: "assistant", text: "word1 word2", interrupted: true },
          ],
          interrupted: true,
        }),
      ),
    );
    const notice = $("#interrupted-notice")!;
    expect(notice.textContent).not.toContain("Interrupted.");
    expect($('[data-message-id="a0"] .interrupted-note')!.textContent).toBe("Interrupted.");
    notice.querySelector<HTMLElement>(".retry-button")!.click();
    expect(host.last("retry")).toEqual({ type: "retry", params: { threadId: "t1" } });
  });

  it("marks a stored interrupted reply and renders tool calls and tool results as text", () => {
    const { receive } = setup();
    receive(
      hostMessage(
        "snapshot",
        snapshot({
          messages: [
            {
              id: "a0",
              role: "assistant",
              text: "partial",
              interrupted: true,
              toolCalls: [{ id: "c1", name: "clock", args: '{ "tz": "<img onerror=x>" }' }],
            },
            {
              id: "t0",
              role: "tool",
              text: "<script>alert(1)</script> **not markdown**",
              toolName: "clock",
              isError: true,
            },
          ],
        }),
      ),
    );
    expect($('[data-message-id="a0"]')!.classList.contains("interrupted")).toBe(true);
    expect($('[data-message-id="a0"] .interrupted-note')!.textContent).toBe("Interrupted.");
    // The call has no result (the tool message does not name it): a pending row with its arguments as text.
    expect($('[data-message-id="a0"] .tool-row .tool-name')!.textContent).toBe("clock");
    expect($('[data-message-id="a0"] .tool-row .tool-args')!.textContent).toContain("<img onerror=x>");
    expect($('[data-message-id="a0"] img')).toBeNull();
    const tool = $('[data-message-id="t0"]')!;
    expect(tool.classList.contains("tool-error")).toBe(true);
    expect(tool.querySelector(".tool-row .tool-name")!.textContent).toBe("clock");
    expect(tool.querySelector("script, strong")).toBeNull();
    expect(tool.querySelector("pre.tool-result")!.textContent).toContain("**not markdown**");
  });

  it("paints only the newest page of a 1,000-turn thread and renders older pages on scroll-up", () => {
    const { app, receive } = setup();
    const messages = turns(1000);
    receive(hostMessage("snapshot", snapshot({ messages })));
    expect($$(".message")).toHaveLength(FIRST_PAGE);
    expect($$(".message").at(-1)!.dataset.messageId).toBe("a999");
    expect($(".older-hint")!.hidden).toBe(false);
    const list = $("#messages")!;
    list.scrollTop = 0;
    list.dispatchEvent(new Event("scroll"));
    expect($$(".message")).toHaveLength(FIRST_PAGE + PAGE);
    expect(app.list.count).toBe(2000);
    // Revealing a message far back renders down to it.
    app.receive(hostMessage("revealMessage", { threadId: "t1", messageId: "u900" }));
    expect($('[data-message-id="u900"]')?.classList.contains("revealed")).toBe(true);
    expect($$(".message").length).toBeLessThan(2000);
  });

  it("keeps the draft in webview state and tells the host (debounced) for reload", async () => {
    const { host, receive } = setup();
    receive(hostMessage("snapshot", snapshot()));
    const composer = $<HTMLTextAreaElement>("#composer")!;
    composer.value = "unsent";
    composer.dispatchEvent(new Event("input"));
    expect((host.state as PersistedViewState).draft).toBe("unsent");
    expect((host.state as PersistedViewState).threadId).toBe("t1");
    await expect.poll(() => host.last("draft")).toEqual({ type: "draft", params: { threadId: "t1", text: "unsent" } });
    // A refresh of the same thread (a turn ended) never overwrites what the user is typing.
    composer.value = "still typing";
    receive(hostMessage("snapshot", snapshot({ draft: "stale" })));
    expect(composer.value).toBe("still typing");
    // Another thread brings its own draft.
    receive(hostMessage("snapshot", snapshot({ threadId: "t2", draft: "t2 draft" })));
    expect(composer.value).toBe("t2 draft");
  });

  it("asks the host to copy code (clipboard lives on the host)", () => {
    const { host, receive } = setup();
    receive(
      hostMessage("snapshot", snapshot({ messages: [{ id: "a0", role: "assistant", text: "```js\nrun()\n```" }] })),
    );
    $<HTMLButtonElement>('[data-message-id="a0"] .copy-code-button')!.click();
    expect(host.last("copy")).toEqual({ type: "copy", params: { text: "run()\n" } });
  });
  it("replaceTail keeps the list through the anchor and puts the host's messages after it (pending and streamed ones go)", () => {
    const { app, receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: turns(1000) })));
    app.composer.value = "one more";
    app.send();
    receive(hostMessage("tokens", { threadId: "t1", messageId: "a1000", text: "partial" }));
    expect(
      $$(".message")
        .map((el) => el.dataset.messageId)
        .slice(-2),
    ).toEqual([expect.stringMatching(/^pending-/), "a1000"]);
    receive(
      hostMessage("replaceTail", {
        threadId: "t1",
        afterId: "a999",
        messages: [
          { id: "u1000", role: "user", text: "one more" },
          { id: "a1000", role: "assistant", text: "partial", interrupted: true },
        ],
      }),
    );
    expect(app.list.count).toBe(2002);
    expect($$(".message")).toHaveLength(FIRST_PAGE + 2);
    expect(
      $$(".message")
        .map((el) => el.dataset.messageId)
        .slice(-3),
    ).toEqual(["a999", "u1000", "a1000"]);
    expect($('[data-message-id="a1000"]')!.classList.contains("interrupted")).toBe(true);
    expect($$("[data-pending]")).toHaveLength(0);
    // An edit of u998 first drops it and everything after; the new branch follows.
    receive(hostMessage("replaceTail", { threadId: "t1", afterId: "a997", messages: [] }));
    expect($$(".message").at(-1)!.dataset.messageId).toBe("a997");
    expect(app.list.count).toBe(1996);
    receive(
      hostMessage("replaceTail", {
        threadId: "t1",
        afterId: "a997",
        messages: [{ id: "e998", role: "user", text: "edited", siblings: { index: 1, count: 2 } }],
      }),
    );
    expect($('[data-message-id="e998"] .branch-position')?.textContent).toBe("2/2");
    expect(
      app.list
        .views()
        .slice(-2)
        .map((m) => m.id),
    ).toEqual(["a997", "e998"]);
  });

  it("replaceTail with a long continuation paints its newest page; older pages, reveal and a full replacement still work", () => {
    const { app, receive, host } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: turns(1000) })));
    // A branch switch far back: everything after a9 is another continuation of 1,990 messages.
    const other = turns(1000)
      .slice(20)
      .map((m) => ({ ...m, id: `x${m.id}` }));
    receive(hostMessage("replaceTail", { threadId: "t1", afterId: "a9", messages: other }));
    expect(app.list.count).toBe(2000);
    expect($$(".message")).toHaveLength(FIRST_PAGE);
    expect($$(".message").at(-1)!.dataset.messageId).toBe("xa999");
    const list = $("#messages")!;
    list.scrollTop = 0;
    list.dispatchEvent(new Event("scroll"));
    expect($$(".message")).toHaveLength(FIRST_PAGE + PAGE);
    app.receive(hostMessage("revealMessage", { threadId: "t1", messageId: "u5" }));
    expect($('[data-message-id="u5"]')?.classList.contains("revealed")).toBe(true);
    const ids = $$(".message").map((el) => el.dataset.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    // From the start (null anchor): the whole list.
    receive(
      hostMessage("replaceTail", {
        threadId: "t1",
        afterId: null,
        messages: [{ id: "only", role: "user", text: "alone" }],
      }),
    );
    expect($$(".message").map((el) => el.dataset.messageId)).toEqual(["only"]);
    expect(host.posted.filter((m) => m.type === "ready")).toHaveLength(0);
    // Revealing u5 renders ~2,000 messages in jsdom (20 s on a loaded 2-core machine): room beyond the default.
  }, 120_000);

  it("replaceTail after a message it does not hold asks the host again (ready) and changes nothing", () => {
    const { app, receive, host } = setup({ threadId: "t1", draft: "typing" });
    receive(hostMessage("snapshot", snapshot({ messages: turns(2) })));
    receive(
      hostMessage("replaceTail", { threadId: "t1", afterId: "nope", messages: [{ id: "z", role: "user", text: "z" }] }),
    );
    expect(app.list.views().map((m) => m.id)).toEqual(["u0", "a0", "u1", "a1"]);
    expect(host.last("ready")).toMatchObject({ type: "ready", params: { state: { threadId: "t1" } } });
    // Another thread's change is ignored.
    receive(hostMessage("replaceTail", { threadId: "t2", afterId: null, messages: [] }));
    expect(app.list.count).toBe(4);
  });
});
