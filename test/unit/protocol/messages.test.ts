import { describe, expect, it } from "vitest";
import {
  describeRejected,
  hostMessage,
  is,
  isHostMessage,
  isWebviewMessage,
  MAX_INPUT_CHARS,
  webviewMessage,
  type WebviewMessage,
} from "../../../src/protocol/messages";

describe("protocol guards: webview → host", () => {
  it("accepts every well-formed message", () => {
    const good: WebviewMessage[] = [
      webviewMessage("ready", { state: {} }),
      webviewMessage("ready", { state: { threadId: "t", draft: "d", scrollFromBottom: 10 } }),
      webviewMessage("send", { threadId: "t", text: "hi" }),
      webviewMessage("stop", { threadId: "t" }),
      webviewMessage("retry", { threadId: "t" }),
      webviewMessage("draft", { threadId: "t", text: "" }),
      webviewMessage("copy", { text: "code" }),
      webviewMessage("ready", {
        state: { threadId: "t", scrollFromBottom: 900, anchor: { messageId: "m1", offset: -37 } },
      }),
      webviewMessage("insertCode", { text: "print(1)\n" }),
      webviewMessage("openCode", { text: "print(1)\n", language: "python" }),
      webviewMessage("openCode", { text: "plain" }),
      webviewMessage("command", { command: "setApiKey" }),
      webviewMessage("command", { command: "newThread" }),
    ];
    for (const message of good) expect(isWebviewMessage(message), JSON.stringify(message)).toBe(true);
  });

  it("rejects unknown types, wrong shapes and prototype tricks", () => {
    const bad: unknown[] = [
      null,
      "send",
      [],
      { type: "send" },
      { type: "send", params: { threadId: "t" } },
      { type: "send", params: { threadId: "", text: "x" } },
      { type: "send", params: { threadId: 1, text: "x" } },
      { type: "send", params: { threadId: "t", text: "x".repeat(MAX_INPUT_CHARS + 1) } },
      { type: "stop", params: { threadId: "x".repeat(600) } },
      { type: "ready", params: { state: { scrollFromBottom: Number.NaN } } },
      { type: "ready", params: { state: null } },
      { type: "ready", params: { state: { anchor: { messageId: "m1" } } } },
      { type: "ready", params: { state: { anchor: { messageId: 3, offset: 0 } } } },
      { type: "ready", params: { state: { anchor: { messageId: "m1", offset: Number.POSITIVE_INFINITY } } } },
      { type: "insertCode", params: {} },
      { type: "openCode", params: { text: "x", language: "x".repeat(65) } },
      { type: "command", params: { command: "workbench.action.quit" } },
      { type: "command", params: { command: "skein.setApiKey" } },
      { type: "__proto__", params: {} },
      { type: "toString", params: {} },
      { type: "constructor", params: {} },
      { type: "hasOwnProperty", params: {} },
      { type: "snapshot", params: {} },
    ];
    for (const message of bad) expect(isWebviewMessage(message), JSON.stringify(message)).toBe(false);
  });

  it("narrows with is()", () => {
    const message: WebviewMessage = webviewMessage("send", { threadId: "t", text: "hi" });
    if (is(message, "send")) expect(message.params.text).toBe("hi");
    expect(is(message, "stop")).toBe(false);
  });
});

describe("protocol guards: host → webview", () => {
  const strings = { send: "Send" };
  it("accepts the host's messages", () => {
    const good = [
      hostMessage("snapshot", {
        threadId: "t",
        title: "",
        messages: [{ id: "m", role: "user", text: "hi" }],
        draft: "",
        streaming: null,
        error: null,
        interrupted: false,
        strings: strings as never,
      }),
      hostMessage("messages", { threadId: "t", messages: [] }),
      hostMessage("replaceTail", {
        threadId: "t",
        afterId: "m",
        messages: [{ id: "n", role: "assistant", text: "x", siblings: { index: 1, count: 2 } }],
      }),
      hostMessage("replaceTail", { threadId: "t", afterId: null, messages: [] }),
      hostMessage("tokens", { threadId: "t", messageId: "m", text: "x" }),
      hostMessage("status", { threadId: "t", streaming: { messageId: "m" }, interrupted: false }),
      hostMessage("status", { threadId: "t", streaming: {}, interrupted: false }),
      hostMessage("error", { threadId: "t", error: { code: "x", message: "y", actions: ["retry"] } }),
      hostMessage("error", { threadId: "t", error: null }),
      hostMessage("title", { threadId: "t", title: "T" }),
      hostMessage("focusInput", {}),
      hostMessage("revealMessage", { threadId: "t", messageId: "m" }),
    ];
    for (const message of good) expect(isHostMessage(message), JSON.stringify(message)).toBe(true);
  });

  it("rejects malformed host messages", () => {
    const bad: unknown[] = [
      { type: "tokens", params: { threadId: "t", messageId: "m" } },
      { type: "messages", params: { threadId: "t", messages: [{ id: "m" }] } },
      { type: "snapshot", params: { threadId: "t" } },
      { type: "replaceTail", params: { threadId: "t", messages: [] } },
      { type: "replaceTail", params: { threadId: "t", afterId: 3, messages: [] } },
      {
        type: "replaceTail",
        params: {
          threadId: "t",
          afterId: null,
          messages: [{ id: "m", role: "user", text: "x", siblings: { index: 2, count: 2 } }],
        },
      },
      { type: "status", params: { threadId: "t", streaming: "yes", interrupted: false } },
      { type: "error", params: { threadId: "t", error: { code: 1 } } },
      { type: "send", params: { threadId: "t", text: "x" } },
    ];
    for (const message of bad) expect(isHostMessage(message), JSON.stringify(message)).toBe(false);
  });
});

describe("protocol: answering what was refused", () => {
  it("opening and notice are checked like every host message", () => {
    expect(isHostMessage(hostMessage("opening", { threadId: "t" }))).toBe(true);
    expect(isHostMessage(hostMessage("notice", { threadId: "t", message: "busy", draft: "text" }))).toBe(true);
    expect(isHostMessage(hostMessage("notice", { threadId: "t", message: "busy" }))).toBe(true);
    expect(isHostMessage({ type: "notice", params: { threadId: "t", message: "busy", draft: 5 } })).toBe(false);
    expect(isHostMessage({ type: "opening", params: {} })).toBe(false);
  });

  it("describeRejected names the type and thread of a refused message when those parts are sound", () => {
    const huge = "x".repeat(MAX_INPUT_CHARS + 1);
    expect(describeRejected({ type: "send", params: { threadId: "t", text: huge } })).toEqual({
      type: "send",
      threadId: "t",
    });
    expect(describeRejected({ type: "ready", params: { state: { draft: huge } } })).toEqual({
      type: "ready",
      threadId: undefined,
    });
    expect(describeRejected({ type: "nope", params: { threadId: "t" } })).toBeUndefined();
    expect(describeRejected("junk")).toBeUndefined();
  });
});
