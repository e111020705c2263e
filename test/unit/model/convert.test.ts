/** Skein messages ⇄ Messages API wire blocks. */
import { describe, expect, it } from "vitest";
import { fromWireMessage, toWireRequest } from "../../../src/model/convert";
import type { Message } from "../../../src/graph/messages";

describe("toWireRequest", () => {
  it("never sends a content block of a type the API does not know (a thread holding one would get 400 on every turn)", () => {
    const history = [
      {
        role: "user",
        content: [
          { type: "text", text: "question" },
          { type: "skein_note", text: "kept in the store only" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "future_block", data: 1 },
          { type: "text", text: "answer" },
        ],
      },
      { role: "user", content: [{ type: "made_up" }] },
      { role: "user", content: "next" },
    ] as Message[];
    expect(toWireRequest(history).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "question" }] },
      { role: "assistant", content: [{ type: "text", text: "answer" }] },
      { role: "user", content: [{ type: "text", text: "next" }] },
    ]);
  });

  it("puts system text aside, tool calls as tool_use, tool messages as tool_result (is_error kept)", () => {
    const history: Message[] = [
      { role: "system", content: "history rule" },
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "checking" },
          { type: "tool_use", id: "t1", name: "add", input: {} },
        ],
        tool_calls: [{ id: "t1", name: "add", args: { a: 1, b: 2 } }],
      },
      { role: "tool", tool_call_id: "t1", content: "boom", metadata: { is_error: true } },
      { role: "user", content: "and?" },
    ];
    const wire = toWireRequest(history, "base prompt");
    expect(wire.system).toBe("base prompt\n\nhistory rule");
    expect(wire.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
        ],
      },
      // The tool_use kept in content is not sent twice; tool_calls are the source of truth.
      {
        role: "assistant",
        content: [
          { type: "text", text: "checking" },
          { type: "tool_use", id: "t1", name: "add", input: { a: 1, b: 2 } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "boom", is_error: true },
          { type: "text", text: "and?" },
        ],
      },
    ]);
  });

  it("keeps several tool results in order at the start of one user message", () => {
    const wire = toWireRequest([
      { role: "user", content: "go" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "a", name: "x", args: {} },
          { id: "b", name: "y", args: {} },
        ],
      },
      { role: "tool", tool_call_id: "a", content: "1" },
      { role: "tool", tool_call_id: "b", content: "" },
    ]);
    expect(wire.messages[2].content).toEqual([
      { type: "tool_result", tool_use_id: "a", content: "1" },
      { type: "tool_result", tool_use_id: "b", content: "(no output)" },
    ]);
  });
});

describe("fromWireMessage", () => {
  it("plain text becomes a string; tool_use becomes tool_calls; usage, model and stop_reason go to metadata", () => {
    const message = fromWireMessage({
      content: [
        { type: "text", text: "Let me " },
        { type: "text", text: "add." },
        { type: "tool_use", id: "t", name: "add", input: { a: 1 } },
      ],
      model: "claude-haiku-5-5",
      stop_reason: "tool_use",
      usage: { input_tokens: 5, output_tokens: 7, cache_read_input_tokens: null },
    });
    expect(message).toMatchObject({
      role: "assistant",
      content: "Let me add.",
      tool_calls: [{ id: "t", name: "add", args: { a: 1 } }],
      metadata: { model: "claude-haiku-5-5", stop_reason: "tool_use", usage: { input_tokens: 5, output_tokens: 7 } },
    });
    expect(message.metadata?.usage).not.toHaveProperty("cache_read_input_tokens");
  });

  it("keeps thinking blocks as blocks so they can be sent back", () => {
    const message = fromWireMessage({
      content: [
        { type: "thinking", thinking: "hmm", signature: "s" },
        { type: "text", text: "ok" },
      ],
    });
    expect(message.content).toEqual([
      { type: "text", text: "ok" },
      { type: "thinking", thinking: "hmm", signature: "s" },
    ]);
  });
});
