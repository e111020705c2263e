/** The one rule for a thread's last turn: interrupted when it did not finish, never while a run holds it. */
import { describe, expect, it } from "vitest";
import { isInterrupted, turnStatus } from "../../../src/chat/threadView";
import type { StoredMessage } from "../../../src/graph/messages";

const msg = (role: StoredMessage["role"], metadata?: StoredMessage["metadata"]): StoredMessage =>
  ({ id: `${role}-${Math.random()}`, role, content: "x", metadata }) as StoredMessage;

describe("isInterrupted", () => {
  it("a finished reply is not interrupted; a cut-off, unanswered or failed turn is", () => {
    const idle = { running: false, failed: false };
    expect(isInterrupted([msg("user"), msg("assistant")], idle)).toBe(false);
    expect(isInterrupted([msg("user"), msg("assistant", { interrupted: true })], idle)).toBe(true);
    expect(isInterrupted([msg("user")], idle)).toBe(true);
    expect(isInterrupted([msg("user"), msg("assistant"), msg("tool")], idle)).toBe(true);
    expect(isInterrupted([msg("user"), msg("assistant")], { running: false, failed: true })).toBe(true);
    expect(isInterrupted([], idle)).toBe(false);
  });

  it("a running turn is never interrupted", () => {
    expect(isInterrupted([msg("user")], { running: true, failed: true })).toBe(false);
  });
});

describe("turnStatus", () => {
  it("a run the host knows of streams and hides a stale interrupted verdict", () => {
    expect(turnStatus({ interrupted: true }, { lastMessageId: "m1" })).toEqual({
      streaming: { messageId: "m1" },
      interrupted: false,
    });
    expect(turnStatus(undefined, {})).toEqual({ streaming: { messageId: undefined }, interrupted: false });
  });

  it("without a run: the loaded thread's verdict, false when nothing was loaded", () => {
    expect(turnStatus({ interrupted: true }, undefined)).toEqual({ streaming: null, interrupted: true });
    expect(turnStatus({ interrupted: false }, undefined)).toEqual({ streaming: null, interrupted: false });
    expect(turnStatus(undefined, undefined)).toEqual({ streaming: null, interrupted: false });
  });
});
