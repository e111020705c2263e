import { describe, expect, it } from "vitest";
import { isHostMessage, isWebviewMessage, MAX_REASON_CHARS } from "../../../src/protocol/messages";

describe("tool and context messages", () => {
  it("the host acts only on well-formed answers", () => {
    expect(isWebviewMessage({ type: "approve", params: { threadId: "t", interruptId: "i" } })).toBe(true);
    expect(isWebviewMessage({ type: "approve", params: { threadId: "t", interruptId: "i", always: true } })).toBe(true);
    expect(isWebviewMessage({ type: "approve", params: { threadId: "t", interruptId: "i", always: "yes" } })).toBe(
      false,
    );
    expect(isWebviewMessage({ type: "approve", params: { threadId: "", interruptId: "i" } })).toBe(false);
    expect(isWebviewMessage({ type: "reject", params: { threadId: "t", interruptId: "i", reason: "no" } })).toBe(true);
    expect(
      isWebviewMessage({
        type: "reject",
        params: { threadId: "t", interruptId: "i", reason: "x".repeat(MAX_REASON_CHARS + 1) },
      }),
    ).toBe(false);
    expect(isWebviewMessage({ type: "showDiff", params: { threadId: "t" } })).toBe(false);
    expect(isWebviewMessage({ type: "removeContext", params: { id: "" } })).toBe(false);
    expect(isWebviewMessage({ type: "attachFiles", params: { uris: ["file:///a"] } })).toBe(true);
    expect(isWebviewMessage({ type: "attachFiles", params: { uris: [1] } })).toBe(false);
    expect(isWebviewMessage({ type: "attachFiles", params: { uris: Array(51).fill("file:///a") } })).toBe(false);
  });

  it("the webview drops malformed cards and context", () => {
    const card = {
      interruptId: "i",
      toolCallId: "c",
      name: "edit_file",
      args: "{}",
      canShowDiff: true,
      canAlwaysAllow: true,
    };
    expect(isHostMessage({ type: "approvals", params: { threadId: "t", approvals: [card] } })).toBe(true);
    expect(isHostMessage({ type: "approvals", params: { threadId: "t", approvals: [{ ...card, args: {} }] } })).toBe(
      false,
    );
    expect(
      isHostMessage({ type: "context", params: { context: { attachments: [{ id: "a", kind: "file", path: "x" }] } } }),
    ).toBe(true);
    expect(
      isHostMessage({ type: "context", params: { context: { attachments: [{ kind: "file", path: "x" }] } } }),
    ).toBe(false);
    expect(isHostMessage({ type: "toolOutput", params: { threadId: "t", toolCallId: "c", text: 1 } })).toBe(false);
  });
});
