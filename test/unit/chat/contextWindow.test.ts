/** Context window selection: what is sent, never what is stored. */
import { describe, expect, it } from "vitest";
import {
  defaultMaxInputTokens,
  estimateTokens,
  fitContext,
  selectContext,
  units,
} from "../../../src/chat/contextWindow";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";
import type { Message } from "../../../src/graph/messages";

const u = (content: string): Message => ({ role: "user", content });
const a = (content: string, ids?: string[]): Message => ({
  role: "assistant",
  content,
  ...(ids ? { tool_calls: ids.map((id) => ({ id, name: "add", args: {} })) } : {}),
});
const t = (id: string): Message => ({ role: "tool", tool_call_id: id, content: "5" });
const contents = (ms: Message[]) =>
  ms.map((m) => (m.role === "tool" ? `tool:${m.tool_call_id}` : `${m.role[0]}:${m.content}`));

/** 1 token per message makes budgets easy to read. */
const one = () => 1;

function conversation(turns: number): Message[] {
  const out: Message[] = [];
  for (let i = 1; i <= turns; i++) out.push(u(`q${i}`), a(`r${i}`));
  return out;
}

describe("selectContext", () => {
  it("sends everything when no limit applies", () => {
    const history = conversation(5);
    expect(selectContext(history).messages).toEqual(history);
  });

  it("maxMessages keeps the newest messages, starting on a user message", () => {
    const history = [...conversation(10), u("q11")];
    const chosen = selectContext(history, { maxMessages: 10 });
    // 10 would start on an assistant reply (r6), so it starts at q7: 9 messages.
    expect(contents(chosen.messages)).toEqual([
      "u:q7",
      "a:r7",
      "u:q8",
      "a:r8",
      "u:q9",
      "a:r9",
      "u:q10",
      "a:r10",
      "u:q11",
    ]);
    expect(chosen.omitted).toBe(12);
    expect(contents(selectContext(history, { maxMessages: 11 }).messages)[0]).toBe("u:q6");
  });

  it("always sends the newest user message, even over budget", () => {
    const history = [...conversation(3), u("x".repeat(10_000))];
    const chosen = selectContext(history, { maxMessages: 1, maxInputTokens: 10 });
    expect(chosen.messages).toEqual([history.at(-1)]);
  });

  it("always sends the whole current turn (tool loop after the newest user message)", () => {
    const history = [...conversation(3), u("q4"), a("", ["t1"]), t("t1"), a("", ["t2"]), t("t2")];
    expect(contents(selectContext(history, { maxMessages: 1 }).messages)).toEqual([
      "u:q4",
      "a:",
      "tool:t1",
      "a:",
      "tool:t2",
    ]);
  });

  it("never separates a tool call from its results", () => {
    const history = [u("q1"), a("", ["t1", "t2"]), t("t1"), t("t2"), a("r1"), u("q2"), a("r2"), u("q3")];
    expect(units(history)).toEqual([
      [0, 1],
      [1, 4],
      [4, 5],
      [5, 6],
      [6, 7],
      [7, 8],
    ]);
    // Budget 5 would cut inside [a t1 t2]: the unit is left out whole, then the start moves to a user message.
    const chosen = selectContext(history, { maxMessages: 5, estimate: one });
    expect(contents(chosen.messages)).toEqual(["u:q2", "a:r2", "u:q3"]);
    // 7 fits [a t1 t2] but not q1, and a selection never starts on an assistant turn.
    expect(contents(selectContext(history, { maxMessages: 7, estimate: one }).messages)).toEqual([
      "u:q2",
      "a:r2",
      "u:q3",
    ]);
    expect(selectContext(history, { maxMessages: 8, estimate: one }).messages).toEqual(history);
    for (let max = 1; max <= history.length; max++) {
      const sent = selectContext(history, { maxMessages: max, estimate: one }).messages;
      const calls = sent.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []);
      const results = sent.filter((m) => m.role === "tool").map((m) => m.tool_call_id);
      expect(results.sort()).toEqual(calls.sort());
      expect(sent[0].role).toBe("user");
    }
  });

  it("maxInputTokens counts the system prompt and tools (fixedTokens) and stops at the first misfit", () => {
    const history = [u("q1"), a("r1"), u("q2"), a("r2"), u("q3")];
    expect(contents(selectContext(history, { maxInputTokens: 3, estimate: one }).messages)).toEqual([
      "u:q2",
      "a:r2",
      "u:q3",
    ]);
    expect(contents(selectContext(history, { maxInputTokens: 3, fixedTokens: 2, estimate: one }).messages)).toEqual([
      "u:q3",
    ]);
    const big = [u("q1"), a("x".repeat(400)), u("q2"), a("r2"), u("q3")];
    // The long reply does not fit: older messages are not picked around it (no holes).
    expect(contents(selectContext(big, { maxInputTokens: 40 }).messages)).toEqual(["u:q2", "a:r2", "u:q3"]);
  });

  it("keeps system-role history messages whatever is trimmed", () => {
    const history = [{ role: "system", content: "rules" } as Message, ...conversation(5), u("q6")];
    const chosen = selectContext(history, { maxMessages: 3 });
    expect(contents(chosen.messages)).toEqual(["s:rules", "u:q5", "a:r5", "u:q6"]);
  });

  it("does not change the stored array", () => {
    const history = conversation(4);
    const copy = structuredClone(history);
    selectContext(history, { maxMessages: 2 });
    expect(history).toEqual(copy);
  });

  it("the default budget fits the model window with headroom", () => {
    expect(defaultMaxInputTokens({ contextWindow: 200_000, maxTokens: 8192 })).toBe(171_808);
    expect(estimateTokens(u("x".repeat(350)))).toBe(104);
    expect(
      estimateTokens({
        role: "user",
        content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "" } }],
      }),
    ).toBeGreaterThan(1000);
  });
});

describe("fitContext with the provider's exact count", () => {
  const mock = useMockAnthropic();

  it("re-selects when the exact count is over budget", async () => {
    const model = new AnthropicChatModel({ apiKey: "k", baseURL: mock.url, model: "m", maxRetries: 0 });
    const history = [
      ...Array.from({ length: 20 }, (_, i) => [
        u(`question ${i} ${"y".repeat(200)}`),
        a(`answer ${i} ${"z".repeat(200)}`),
      ]).flat(),
      u("last"),
    ];
    const estimated = await fitContext(history, model, { maxInputTokens: 800 });
    mock.reset();
    const exact = await fitContext(history, model, { maxInputTokens: 800, exactCount: true });
    expect(mock.requests.some((r) => r.path === "/v1/messages/count_tokens")).toBe(true);
    // The mock counts JSON length / 4, more than the estimate: fewer messages are sent.
    expect(exact.messages.length).toBeLessThan(estimated.messages.length);
    expect(exact.messages.at(-1)).toEqual(u("last"));
  });
});
