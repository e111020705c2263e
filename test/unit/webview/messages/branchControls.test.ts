// @vitest-environment jsdom
/** The time-travel controls in the chat webview: what users click, what the host receives. */
import { describe, expect, it } from "vitest";
import { hostMessage } from "../../../../src/protocol/messages";
import type { ChatMessageView, ChatSnapshot, WebviewStrings } from "../../../../src/protocol/types";
import { ChatApp } from "../../../../src/webview/app";
import { testStrings } from "../strings";
import { snapshotOf, WebviewHost as Host } from "../host";

const strings: WebviewStrings = { ...testStrings, fork: "Fork", save: "Save" };

const messages: ChatMessageView[] = [
  { id: "u1", role: "user", text: "first question" },
  { id: "a1", role: "assistant", text: "first answer" },
  { id: "u2", role: "user", text: "second <b>question</b>", siblings: { index: 1, count: 3 } },
  { id: "a2", role: "assistant", text: "second answer", siblings: { index: 0, count: 2 } },
];

function setup(over: Partial<ChatSnapshot> = {}) {
  document.body.innerHTML = '<div id="app"></div>';
  const host = new Host();
  const app = new ChatApp(document.getElementById("app")!, host);
  app.receive(hostMessage("snapshot", snapshotOf(strings, { messages, ...over })));
  const message = (id: string) => document.querySelector<HTMLElement>(`[data-message-id="${id}"]`)!;
  const click = (id: string, selector: string) => message(id).querySelector<HTMLButtonElement>(selector)!.click();
  return { host, app, message, click };
}

describe("time-travel controls", () => {
  it("shows ‹ i/n › only where a message has versions, with the ends disabled", () => {
    const { message } = setup();
    expect(message("u1").querySelector(".branch-switcher")).toBeNull();
    expect(message("u2").querySelector(".branch-position")!.textContent).toBe("2/3");
    expect(message("a2").querySelector(".branch-position")!.textContent).toBe("1/2");
    expect(message("a2").querySelector<HTMLButtonElement>(".branch-prev")!.disabled).toBe(true);
    expect(message("a2").querySelector<HTMLButtonElement>(".branch-next")!.disabled).toBe(false);
  });

  it("asks the host to switch, regenerate and fork for the right message", () => {
    const { host, click } = setup();
    click("u2", ".branch-prev");
    click("u2", ".branch-next");
    click("a1", ".regenerate-button");
    click("a1", ".fork-button");
    expect(host.posted.slice(-4)).toEqual([
      { type: "switchBranch", params: { threadId: "t1", messageId: "u2", index: 0 } },
      { type: "switchBranch", params: { threadId: "t1", messageId: "u2", index: 2 } },
      { type: "regenerate", params: { threadId: "t1", messageId: "a1" } },
      { type: "fork", params: { threadId: "t1", messageId: "a1" } },
    ]);
  });

  it("edits a user message in place: Save posts the new text, Escape/Cancel restore the message", () => {
    const { host, message, click } = setup();
    expect(message("a1").querySelector(".edit-button")).toBeNull();
    click("u2", ".edit-button");
    const input = message("u2").querySelector<HTMLTextAreaElement>(".edit-input")!;
    expect(input.value).toBe("second <b>question</b>");
    expect(message("u2").querySelector<HTMLElement>(".message-body")!.hidden).toBe(true);
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    expect(message("u2").querySelector(".edit-box")).toBeNull();
    expect(message("u2").querySelector<HTMLElement>(".message-body")!.hidden).toBe(false);

    click("u2", ".edit-button");
    message("u2").querySelector<HTMLTextAreaElement>(".edit-input")!.value = "second question, better";
    click("u2", ".edit-save");
    expect(host.posted.at(-1)).toEqual({
      type: "edit",
      params: { threadId: "t1", messageId: "u2", text: "second question, better" },
    });
    expect(message("u2").querySelector(".edit-box")).toBeNull();
  });

  it("does nothing while a reply streams, and never on pending messages", () => {
    const { host, click } = setup({ streaming: { messageId: "a2" } });
    const before = host.posted.length;
    click("a1", ".regenerate-button");
    click("u2", ".branch-prev");
    click("u1", ".edit-button");
    expect(host.posted.length).toBe(before);
    expect(document.querySelector(".edit-box")).toBeNull();
  });

  it("builds controls from text only: message markup is never parsed into them", () => {
    const { message } = setup();
    expect(message("u2").querySelector(".message-tools b")).toBeNull();
  });
});
