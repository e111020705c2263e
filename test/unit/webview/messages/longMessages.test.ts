// @vitest-environment jsdom
/** Long messages collapse; a reload's saved anchor brings its message back into the DOM; the composer sizes itself. */
import { describe, expect, it } from "vitest";
import { hostMessage } from "../../../../src/protocol/messages";
import type { ChatMessageView, ChatSnapshot, PersistedViewState, WebviewStrings } from "../../../../src/protocol/types";
import { ChatApp } from "../../../../src/webview/app";
import { FIRST_PAGE } from "../../../../src/webview/messages/messageList";
import { COLLAPSE_CHARS, COLLAPSE_LINES } from "../../../../src/webview/messages/showMore";
import { testStrings } from "../strings";
import { snapshotOf, WebviewHost as Host } from "../host";

const strings: WebviewStrings = { ...testStrings, needsApiKey: "Key." };

function setup(messages: ChatMessageView[], over: Partial<ChatSnapshot> = {}, saved?: PersistedViewState) {
  document.body.innerHTML = '<div id="app"></div>';
  const host = new Host(saved);
  const app = new ChatApp(document.getElementById("app")!, host);
  app.start();
  app.receive(hostMessage("snapshot", snapshotOf(strings, { messages, ...over })));
  const message = (id: string) => document.querySelector<HTMLElement>(`[data-message-id="${id}"]`);
  return { host, app, message };
}

describe("long messages", () => {
  const long = "word ".repeat(COLLAPSE_CHARS);
  const manyLines = Array.from({ length: COLLAPSE_LINES + 1 }, (_, i) => `line ${i}`).join("\n");

  it("a long user message (by length or by lines) shows collapsed with Show more; short ones and replies do not", () => {
    const { message } = setup([
      { id: "u1", role: "user", text: long },
      { id: "u2", role: "user", text: manyLines },
      { id: "u3", role: "user", text: "short" },
      { id: "a1", role: "assistant", text: long },
    ]);
    for (const id of ["u1", "u2"]) {
      expect(message(id)!.classList.contains("collapsed")).toBe(true);
      expect(message(id)!.querySelector(".show-more-button")?.textContent).toBe("Show more");
      expect(message(id)!.querySelector(".show-more-button")?.getAttribute("aria-expanded")).toBe("false");
    }
    expect(message("u3")!.querySelector(".show-more-button")).toBeNull();
    expect(message("a1")!.querySelector(".show-more-button")).toBeNull();
    // The whole text is in the page (find in page, copy), only clipped by the stylesheet.
    expect(message("u1")!.querySelector(".message-body")!.textContent!.trim()).toBe(long.trim());
  });

  it("Show more expands and Show less collapses again; a re-render of the message keeps the choice", () => {
    const { app, message } = setup([{ id: "u1", role: "user", text: manyLines }]);
    message("u1")!.querySelector<HTMLButtonElement>(".show-more-button")!.click();
    expect(message("u1")!.classList.contains("collapsed")).toBe(false);
    expect(message("u1")!.querySelector(".show-more-button")?.textContent).toBe("Show less");
    app.receive(
      hostMessage("messages", {
        threadId: "t1",
        messages: [{ id: "u1", role: "user", text: manyLines, siblings: { index: 1, count: 2 } }],
      }),
    );
    expect(message("u1")!.classList.contains("collapsed")).toBe(false);
    message("u1")!.querySelector<HTMLButtonElement>(".show-more-button")!.click();
    expect(message("u1")!.classList.contains("collapsed")).toBe(true);
  });
});

describe("coming back after a reload", () => {
  const turns = Array.from({ length: 200 }, (_, i): ChatMessageView => ({
    id: `m${i}`,
    role: i % 2 ? "assistant" : "user",
    text: `message ${i}`,
  }));

  it("says ready with the saved message anchor, and a snapshot carrying it renders down to that message", () => {
    const saved = { threadId: "t1", draft: "", scrollFromBottom: 4000, anchor: { messageId: "m20", offset: -12 } };
    const { host, message } = setup(turns, { anchor: saved.anchor, scrollFromBottom: 4000 }, saved);
    expect(host.posted[0]).toEqual({ type: "ready", params: { state: saved } });
    // m20 is far older than the first page the list paints; it is in the DOM so the view can sit on it.
    expect(message("m20")).not.toBeNull();
    expect(message(`m${200 - FIRST_PAGE - 1}`)).not.toBeNull();
  });

  it("an anchor on a message the thread no longer has falls back to the newest message", () => {
    const { app, message } = setup(turns, { anchor: { messageId: "gone", offset: 10 } });
    expect(message("m20")).toBeNull();
    expect(app.list.atBottom()).toBe(true);
  });

  it("another thread opened from the tree shows its newest message, even if the view was scrolled up", () => {
    const { app } = setup(turns, { anchor: { messageId: "m150", offset: 0 } });
    expect(app.list.atBottom()).toBe(false);
    app.receive(
      hostMessage("snapshot", {
        threadId: "t2",
        title: "",
        messages: turns,
        draft: "",
        streaming: null,
        error: null,
        interrupted: false,
        strings,
      }),
    );
    expect(app.list.atBottom()).toBe(true);
  });
});
