import { describe, expect, it, vi } from "vitest";
import { relativeTime, sortThreads, threadItemText } from "../../../../src/extension/threads/threadItems";
import { TokenBatcher, type Scheduler } from "../../../../src/extension/chat/turns/tokenBatcher";
import { toErrorView, toMessageViews } from "../../../../src/extension/chat/view/messageView";

const now = new Date("2026-06-15T12:00:00Z");
const strings = { untitled: "New Thread", messages: (n: number) => `${n} messages`, justNow: "just now" };

describe("thread items", () => {
  it("relative times", () => {
    expect(relativeTime("2026-06-15T11:59:30Z", now)).toBe("just now");
    expect(relativeTime("2026-06-15T11:55:00Z", now)).toBe("5 minutes ago");
    expect(relativeTime("2026-06-15T09:00:00Z", now)).toBe("3 hours ago");
    expect(relativeTime("2026-06-14T12:00:00Z", now)).toBe("yesterday");
    expect(relativeTime("2025-06-01T12:00:00Z", now)).toBe("last year");
    expect(relativeTime("2026-06-14T12:00:00Z", now, "de")).toBe("gestern");
    expect(relativeTime("garbage", now)).toBe("");
  });

  it("label, description with message count, untitled fallback", () => {
    const text = threadItemText(
      { threadId: "a", title: "Bob's intro", createdAt: "", updatedAt: "2026-06-15T11:00:00Z", messageCount: 4 },
      now,
      strings,
    );
    expect(text).toEqual({
      label: "Bob's intro",
      description: "1 hour ago · 4 messages",
      tooltip: "Bob's intro\n1 hour ago · 4 messages",
    });
    expect(
      threadItemText({ threadId: "b", title: "  ", createdAt: "", updatedAt: "2026-06-15T12:00:00Z" }, now, strings)
        .label,
    ).toBe("New Thread");
  });

  it("marks an imported thread, so it is not mistaken for the thread it was exported from", () => {
    const imported = {
      threadId: "c",
      title: "Bob's intro",
      createdAt: "",
      updatedAt: "2026-06-15T11:00:00Z",
      messageCount: 4,
      imported: true,
    };
    const marked = { ...strings, imported: (title: string) => `${title} (imported)` };
    expect(threadItemText(imported, now, marked).label).toBe("Bob's intro (imported)");
    expect(threadItemText({ ...imported, imported: false }, now, marked).label).toBe("Bob's intro");
  });

  it("sorts newest first, stable on ties", () => {
    const t = (threadId: string, updatedAt: string) => ({ threadId, createdAt: "", updatedAt });
    const sorted = sortThreads([t("b", "2026-01-01"), t("c", "2026-03-01"), t("a", "2026-01-01")]);
    expect(sorted.map((x) => x.threadId)).toEqual(["c", "a", "b"]);
  });
});

describe("token batcher", () => {
  it("coalesces tokens per message until the interval or an explicit flush", () => {
    vi.useFakeTimers();
    try {
      const sent: [string, string][] = [];
      const batcher = new TokenBatcher(
        (id, text) => sent.push([id, text]),
        {
          setTimeout: (cb, ms) => setTimeout(cb, ms),
          clearTimeout: (h) => clearTimeout(h as never),
        } satisfies Scheduler,
        40,
      );
      for (const piece of ["Hel", "lo", " wor", "ld"]) batcher.push("m1", piece);
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(40);
      expect(sent).toEqual([["m1", "Hello world"]]);
      batcher.push("m1", "!");
      batcher.push("m2", "next");
      batcher.flush();
      expect(sent).toEqual([
        ["m1", "Hello world"],
        ["m1", "!"],
        ["m2", "next"],
      ]);
      vi.advanceTimersByTime(100);
      expect(sent).toHaveLength(3);
      batcher.push("m2", "dropped");
      batcher.dispose();
      vi.advanceTimersByTime(100);
      expect(sent).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("message views and errors", () => {
  it("projects stored messages for the webview: text only, no system, no usage", () => {
    const views = toMessageViews([
      { id: "s", role: "system", content: "secret system prompt" },
      {
        id: "u",
        role: "user",
        content: [
          { type: "text", text: "hi" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
        ],
      },
      {
        id: "a",
        role: "assistant",
        content: "calling",
        tool_calls: [{ id: "c", name: "add", args: { a: 1 } }],
        metadata: {
          usage: { input_tokens: 1, output_tokens: 2 },
          interrupted: true,
          createdAt: "2026-01-01T00:00:00Z",
        },
      },
      { id: "t", role: "tool", content: "3", name: "add", tool_call_id: "c", metadata: { is_error: true } },
    ]);
    expect(views).toEqual([
      { id: "u", role: "user", text: "hi" },
      {
        id: "a",
        role: "assistant",
        text: "calling",
        toolCalls: [{ id: "c", name: "add", args: '{\n  "a": 1\n}' }],
        interrupted: true,
        createdAt: "2026-01-01T00:00:00Z",
      },
      { id: "t", role: "tool", text: "3", toolName: "add", toolCallId: "c", isError: true },
    ]);
  });

  it("key errors offer Set API Key; others Retry; the key never appears", () => {
    const missing = Object.assign(new Error("No key."), { name: "MissingApiKeyError", code: "MISSING_API_KEY" });
    expect(toErrorView(missing)).toEqual({
      code: "MISSING_API_KEY",
      message: "No key.",
      actions: ["setApiKey", "retry"],
    });
    expect(toErrorView({ name: "AuthenticationFailedError", message: "401" }).actions).toEqual(["setApiKey", "retry"]);
    expect(toErrorView(Object.assign(new Error("x"), { status: 401 })).actions).toContain("setApiKey");
    const rate = Object.assign(new Error("Rate limited; try again in 20 s."), { code: "RATE_LIMITED" });
    expect(toErrorView(rate)).toEqual({
      code: "RATE_LIMITED",
      message: "Rate limited; try again in 20 s.",
      actions: ["retry"],
    });
    expect(toErrorView(new Error("bad key sk-ant-secret-123 echoed"), ["sk-ant-secret-123"]).message).toBe(
      "bad key ••• echoed",
    );
    expect(toErrorView("plain").code).toBe("UNKNOWN");
  });
});
