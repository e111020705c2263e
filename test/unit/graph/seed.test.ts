import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { END, MessagesAnnotation, START, StateGraph, messageText, type StoredMessage } from "../../../src/graph";

/** A fake model that remembers only what is in the thread: it answers with the name it was told, if any. */
function fakeModel(messages: StoredMessage[]): string {
  for (const m of messages) {
    const match = /I'm (\w+)/.exec(messageText(m));
    if (m.role === "user" && match) return `Your name is ${match[1]}.`;
  }
  return "I don't know your name.";
}

describe("seed scenario", () => {
  it("thread 1 remembers bob across invocations; thread 2 does not", async () => {
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("call_model", async (state) => ({
        messages: [{ role: "assistant" as const, content: fakeModel(state.messages) }],
      }))
      .addEdge(START, "call_model")
      .addEdge("call_model", END)
      .compile({ checkpointer: new MemorySaver() });
    const one = { configurable: { thread_id: "1" } };
    const first = await graph.invoke({ messages: [{ role: "user", content: "hi! I'm bob" }] }, one);
    expect(first.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(first.messages.every((m) => typeof m.id === "string")).toBe(true);
    const second = await graph.invoke({ messages: [{ role: "user", content: "what's my name?" }] }, one);
    expect(messageText(second.messages.at(-1)!)).toBe("Your name is bob.");
    expect(second.messages).toHaveLength(4);
    expect(second.messages.slice(0, 2)).toEqual(first.messages);

    const two = await graph.invoke(
      { messages: [{ role: "user", content: "what's my name?" }] },
      { configurable: { thread_id: "2" } },
    );
    expect(messageText(two.messages.at(-1)!)).toBe("I don't know your name.");
    expect(two.messages).toHaveLength(2);

    const state = await graph.getState(one);
    expect(state.values.messages).toEqual(second.messages);
    expect(state.next).toEqual([]);
    expect(state.metadata).toMatchObject({ source: "loop", step: 4 });
  });
});
