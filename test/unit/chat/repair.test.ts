/** Repair of the history sent to the model; validity checked with the mock API's own validator. */
import { describe, expect, it } from "vitest";
import { repairHistory, UNANSWERED_TOOL_CALL_TEXT, OMITTED_HISTORY_TEXT } from "../../../src/chat/repair";
import { toWireRequest } from "../../../src/model/convert";
import { validateMessagesBody } from "../../fixtures/mock-anthropic/validate";
import type { Message } from "../../../src/graph/messages";

const u = (content: string): Message => ({ role: "user", content });
const a = (content: string, calls?: Array<[string, string]>): Message => ({
  role: "assistant",
  content,
  ...(calls ? { tool_calls: calls.map(([id, name]) => ({ id, name, args: {} })) } : {}),
});
const t = (id: string, content = "ok"): Message => ({ role: "tool", tool_call_id: id, content });

function wireValid(history: Message[]): string | undefined {
  const wire = toWireRequest(repairHistory(history).messages);
  return validateMessagesBody({ model: "m", max_tokens: 10, messages: wire.messages });
}

describe("repairHistory", () => {
  it("leaves a healthy history untouched", () => {
    const history = [u("hi"), a("hello"), u("add"), a("", [["t1", "add"]]), t("t1"), a("done"), u("next")];
    const { messages, changes } = repairHistory(history);
    expect(changes).toEqual([]);
    expect(messages).toEqual(history);
    expect(wireValid(history)).toBeUndefined();
  });

  it("answers an unanswered tool call (the poisoned thread) with an error result", () => {
    const poisoned = [u("time?"), a("", [["t1", "get_time"]]), u("hello again")];
    expect(validateMessagesBody({ model: "m", max_tokens: 1, messages: toWireRequest(poisoned).messages })).toMatch(
      /without `tool_result`/,
    );
    const { messages } = repairHistory(poisoned);
    expect(messages[2]).toMatchObject({
      role: "tool",
      tool_call_id: "t1",
      content: UNANSWERED_TOOL_CALL_TEXT,
      metadata: { is_error: true },
    });
    expect(wireValid(poisoned)).toBeUndefined();
    // The tool_result opens the user message and the new text follows it.
    expect(toWireRequest(messages).messages[2].content.map((b) => b.type)).toEqual(["tool_result", "text"]);
  });

  it("answers only the missing calls of a partly answered turn, keeping order", () => {
    const history = [
      u("x"),
      a("", [
        ["t1", "add"],
        ["t2", "add"],
        ["t3", "add"],
      ]),
      t("t2", "two"),
    ];
    const { messages } = repairHistory(history);
    expect(messages.slice(2).map((m) => [m.tool_call_id, m.metadata?.is_error ?? false])).toEqual([
      ["t2", false],
      ["t1", true],
      ["t3", true],
    ]);
    expect(wireValid(history)).toBeUndefined();
  });

  it("drops orphan and duplicate tool results", () => {
    const history = [u("x"), t("ghost"), a("", [["t1", "add"]]), t("t1"), t("t1"), t("other"), u("y")];
    const { messages, changes } = repairHistory(history);
    expect(messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id)).toEqual(["t1"]);
    expect(changes.filter((c) => c.startsWith("dropped tool result"))).toHaveLength(3);
    expect(wireValid(history)).toBeUndefined();
  });

  it("drops empty messages and merges same-role neighbours on the wire", () => {
    const history = [
      u("one"),
      a(""),
      u("two"),
      { role: "user", content: [{ type: "text", text: "" }] } as Message,
      u("three"),
    ];
    const { messages } = repairHistory(history);
    expect(messages.map((m) => m.content)).toEqual(["one", "two", "three"]);
    const wire = toWireRequest(messages).messages;
    expect(wire).toHaveLength(1);
    expect(wire[0].content.map((b) => b.text)).toEqual(["one", "two", "three"]);
    expect(wireValid(history)).toBeUndefined();
  });

  it("starts with a user message and drops a trailing plain assistant message (retry after a cancel)", () => {
    const history = [a("I was saying"), u("hi"), { ...a("partial"), metadata: { interrupted: true } }];
    const { messages } = repairHistory(history);
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ["user", OMITTED_HISTORY_TEXT],
      ["assistant", "I was saying"],
      ["user", "hi"],
    ]);
    expect(wireValid(history)).toBeUndefined();
  });

  it("keeps an interrupted partial reply in the middle of the history", () => {
    const history = [u("hi"), { ...a("partial"), metadata: { interrupted: true } }, u("go on")];
    expect(repairHistory(history).messages).toHaveLength(3);
    expect(wireValid(history)).toBeUndefined();
  });

  it("keeps system messages out of the wire messages (they join the system prompt)", () => {
    const wire = toWireRequest([{ role: "system", content: "be kind" }, u("hi")], "base");
    expect(wire.system).toBe("base\n\nbe kind");
    expect(wire.messages).toHaveLength(1);
  });

  it("every prefix of a tool-heavy thread, cut anywhere, repairs into a valid request", () => {
    const thread: Message[] = [
      u("q1"),
      a("", [["a1", "add"]]),
      t("a1"),
      a("r1"),
      u("q2"),
      a("thinking", [
        ["b1", "add"],
        ["b2", "get_time"],
      ]),
      t("b1"),
      t("b2"),
      a("", [["c1", "add"]]),
      t("c1"),
      a("r2"),
      u("q3"),
    ];
    for (let start = 0; start < thread.length; start++)
      for (let end = start + 1; end <= thread.length; end++) {
        const slice = [...thread.slice(start, end), u("follow-up")];
        expect(wireValid(slice), `slice ${start}..${end}`).toBeUndefined();
      }
  });
});
