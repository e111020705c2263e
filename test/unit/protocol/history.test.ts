import { describe, expect, it } from "vitest";
import { isHostMessage, isWebviewMessage } from "../../../src/protocol/messages";

describe("time-travel messages in the protocol", () => {
  it("accepts well-formed edit / regenerate / switchBranch / fork requests", () => {
    expect(isWebviewMessage({ type: "edit", params: { threadId: "t", messageId: "m", text: "new text" } })).toBe(true);
    expect(isWebviewMessage({ type: "regenerate", params: { threadId: "t", messageId: "m" } })).toBe(true);
    expect(isWebviewMessage({ type: "switchBranch", params: { threadId: "t", messageId: "m", index: 2 } })).toBe(true);
    expect(isWebviewMessage({ type: "fork", params: { threadId: "t", messageId: "m" } })).toBe(true);
  });

  it("rejects malformed ones so the host never acts on them", () => {
    expect(isWebviewMessage({ type: "edit", params: { threadId: "t", messageId: "m", text: "   " } })).toBe(false);
    expect(isWebviewMessage({ type: "edit", params: { threadId: "t", text: "x" } })).toBe(false);
    expect(isWebviewMessage({ type: "switchBranch", params: { threadId: "t", messageId: "m", index: -1 } })).toBe(
      false,
    );
    expect(isWebviewMessage({ type: "switchBranch", params: { threadId: "t", messageId: "m", index: 1.5 } })).toBe(
      false,
    );
    expect(isWebviewMessage({ type: "switchBranch", params: { threadId: "t", messageId: "m", index: "1" } })).toBe(
      false,
    );
    expect(isWebviewMessage({ type: "fork", params: { threadId: "", messageId: "m" } })).toBe(false);
    expect(isWebviewMessage({ type: "regenerate", params: { threadId: "t", messageId: 5 } })).toBe(false);
  });

  it("checks sibling positions on message views", () => {
    const view = (siblings: unknown) => ({
      type: "messages",
      params: { threadId: "t", messages: [{ id: "m", role: "user", text: "x", siblings }] },
    });
    expect(isHostMessage(view({ index: 1, count: 3 }))).toBe(true);
    expect(isHostMessage(view(undefined))).toBe(true);
    expect(isHostMessage(view({ index: 3, count: 3 }))).toBe(false);
    expect(isHostMessage(view({ index: "1", count: 3 }))).toBe(false);
  });
});
