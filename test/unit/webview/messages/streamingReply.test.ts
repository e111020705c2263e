// @vitest-environment jsdom
/**
 * A long reply in the chat list: while it streams, finished blocks stay the same DOM nodes (only the growing end
 * renders again); when it completes (the stored message, then the host's stored tail) the element and its body
 * are kept — nothing renders again — and the body is what a full render of the text gives; a long stored
 * message renders over several frames into the same result; code block buttons work on blocks rendered so.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { hostMessage, type HostMessage, type WebviewMessage } from "../../../../src/protocol/messages";
import type { ChatMessageView, ChatSnapshot, WebviewStrings } from "../../../../src/protocol/types";
import { ChatApp } from "../../../../src/webview/app";
import { PROGRESSIVE_CHARS } from "../../../../src/webview/messages/longMessages";
import { renderInto } from "../../../../src/webview/markdown/markdown";

const strings = new Proxy({} as WebviewStrings, { get: (_, key) => String(key) });

function setup() {
  document.body.innerHTML = '<div id="app"></div>';
  const posted: WebviewMessage[] = [];
  const app = new ChatApp(document.getElementById("app")!, {
    postMessage: (m) => void posted.push(m),
    getState: () => undefined,
    setState: () => {},
  });
  const receive = (m: HostMessage) => app.receive(m);
  const snapshot = (messages: ChatMessageView[], streaming: ChatSnapshot["streaming"] = null) =>
    receive(
      hostMessage("snapshot", {
        threadId: "t1",
        title: "",
        messages,
        draft: "",
        streaming,
        error: null,
        interrupted: false,
        strings,
      }),
    );
  return { app, receive, snapshot, posted };
}

function fullRender(text: string): string {
  const el = document.createElement("div");
  renderInto(el, text, { strings, copy: () => {}, insert: () => {}, open: () => {} });
  return el.innerHTML;
}

const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));

function reply(blocks: number): string {
  const parts: string[] = [];
  for (let i = 0; i < blocks; i++)
    parts.push(`Step ${i}: run **step${i}**.`, "```js\n" + `console.log(${i});` + "\n```", `| n |\n|---|\n| ${i} |`);
  return parts.join("\n\n");
}

describe("a long reply in the chat list", () => {
  beforeEach(() => document.body.replaceChildren());

  it("streams without rendering finished blocks again, and completes without rendering anything again", () => {
    const { app, receive, snapshot } = setup();
    snapshot([{ id: "u1", role: "user", text: "go" }], {});
    const text = reply(60);
    const firstCode = () => document.querySelector('[data-message-id="a1"] .code-block');
    let kept: Element | null = null;
    for (let at = 0; at < text.length; at += 97) {
      receive(hostMessage("tokens", { threadId: "t1", messageId: "a1", text: text.slice(at, at + 97) }));
      app.list.flush();
      if (!kept && document.querySelectorAll('[data-message-id="a1"] .code-block').length >= 2) kept = firstCode();
      if (kept) expect(firstCode()).toBe(kept);
    }
    expect(kept).not.toBeNull();
    const article = document.querySelector('[data-message-id="a1"]')!;
    const body = article.querySelector(".message-body")!;
    const nodes = Array.from(body.childNodes).slice(0, -3);
    const stored: ChatMessageView = { id: "a1", role: "assistant", text };
    // The end of a run, as the host sends it: the stored message, the status, then the stored tail.
    receive(hostMessage("messages", { threadId: "t1", messages: [stored] }));
    receive(hostMessage("status", { threadId: "t1", streaming: null, interrupted: false }));
    receive(hostMessage("replaceTail", { threadId: "t1", afterId: "u1", messages: [stored] }));
    receive(hostMessage("error", { threadId: "t1", error: null }));
    expect(document.querySelector('[data-message-id="a1"]')).toBe(article);
    expect(article.querySelector(".message-body")).toBe(body);
    nodes.forEach((node, i) => expect(body.childNodes[i]).toBe(node));
    expect(body.innerHTML).toBe(fullRender(text));
    expect(article.classList.contains("streaming")).toBe(false);
    expect(article.querySelector(".message-header .message-tools")).not.toBeNull();
  });

  it("a stored reply that differs from what streamed, or another message in its place, renders anew", () => {
    const { app, receive, snapshot } = setup();
    snapshot([{ id: "u1", role: "user", text: "go" }], {});
    receive(hostMessage("tokens", { threadId: "t1", messageId: "a1", text: "Partial **text**\n\nmore" }));
    app.list.flush();
    const before = document.querySelector('[data-message-id="a1"]');
    receive(hostMessage("messages", { threadId: "t1", messages: [{ id: "a1", role: "assistant", text: "Other" }] }));
    expect(document.querySelector('[data-message-id="a1"] .message-body')!.innerHTML).toBe(fullRender("Other"));
    expect(document.querySelector('[data-message-id="a1"]')).not.toBe(before);
    receive(
      hostMessage("replaceTail", {
        threadId: "t1",
        afterId: "u1",
        messages: [{ id: "a2", role: "assistant", text: "A **sibling**", siblings: { index: 1, count: 2 } }],
      }),
    );
    expect(document.querySelector('[data-message-id="a1"]')).toBeNull();
    expect(document.querySelector('[data-message-id="a2"] strong')?.textContent).toBe("sibling");
  });

  it("tokens for a long reply still rendering from the snapshot (a reload mid-stream) end as a full render", async () => {
    const { app, receive, snapshot } = setup();
    const text = reply(300);
    snapshot(
      [
        { id: "u1", role: "user", text: "go" },
        { id: "a1", role: "assistant", text },
      ],
      { messageId: "a1" },
    );
    // The first slice is in; the rest would come over the next frames, and tokens arrive before them.
    const more = "\n\nAnd **one more** step.";
    receive(hostMessage("tokens", { threadId: "t1", messageId: "a1", text: more.slice(0, 9) }));
    receive(hostMessage("tokens", { threadId: "t1", messageId: "a1", text: more.slice(9) }));
    app.list.flush();
    await frame();
    const body = document.querySelector('[data-message-id="a1"] .message-body')!;
    expect(body.innerHTML).toBe(fullRender(text + more));
  });

  it("a long stored message renders over several frames into the same DOM as a full render, buttons working", async () => {
    const { app, snapshot, posted } = setup();
    const text = reply(300);
    expect(text.length).toBeGreaterThan(PROGRESSIVE_CHARS);
    snapshot([
      { id: "u1", role: "user", text: "go" },
      { id: "a1", role: "assistant", text },
    ]);
    const body = document.querySelector('[data-message-id="a1"] .message-body')!;
    const first = body.querySelectorAll(".code-block").length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(300);
    let frames = 0;
    const done = () => Array.from(body.querySelectorAll("td")).at(-1)?.textContent === "299";
    while (!done() && frames < 500) {
      await frame();
      frames++;
    }
    expect(frames).toBeGreaterThan(1);
    expect(body.innerHTML).toBe(fullRender(text));
    app.list.codeActions = {};
    body.querySelectorAll<HTMLButtonElement>(".copy-code-button")[299]!.click();
    expect(posted.at(-1)).toEqual({ type: "copy", params: { text: "console.log(299);\n" } });
  });
});
