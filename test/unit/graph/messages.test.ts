import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import {
  END,
  InvalidUpdateError,
  MessagesAnnotation,
  REMOVE_ALL_MESSAGES,
  START,
  StateGraph,
  messagesStateReducer,
  removeMessage,
  type StoredMessage,
} from "../../../src/graph";

const msg = (id: string, content: string, role: StoredMessage["role"] = "user"): StoredMessage => ({
  id,
  role,
  content,
});

describe("messagesStateReducer", () => {
  it("appends, coerces strings and LangGraph roles, and assigns ids without mutating the input", () => {
    const input = { role: "ai" as const, content: "hello" };
    const out = messagesStateReducer([msg("a", "hi")], ["plain", { role: "human", content: "x" }, input]);
    expect(out.map((m) => [m.role, m.content])).toEqual([
      ["user", "hi"],
      ["user", "plain"],
      ["user", "x"],
      ["assistant", "hello"],
    ]);
    expect(new Set(out.map((m) => m.id)).size).toBe(4);
    expect(input).toEqual({ role: "ai", content: "hello" });
    expect(messagesStateReducer([], msg("s", "single"))).toEqual([msg("s", "single")]);
  });

  it("replaces a message with the same id in place", () => {
    const out = messagesStateReducer(
      [msg("a", "1"), msg("b", "2"), msg("c", "3")],
      [msg("b", "two", "assistant"), msg("d", "4")],
    );
    expect(out).toEqual([msg("a", "1"), msg("b", "two", "assistant"), msg("c", "3"), msg("d", "4")]);
  });

  it("removes by id; an unknown id is an error", () => {
    expect(messagesStateReducer([msg("a", "1"), msg("b", "2")], [removeMessage("a")])).toEqual([msg("b", "2")]);
    expect(() => messagesStateReducer([msg("a", "1")], [removeMessage("zzz")])).toThrow(InvalidUpdateError);
    expect(() => messagesStateReducer([msg("a", "1")], [removeMessage("zzz")])).toThrow(/zzz/);
  });

  it("remove-all keeps only what follows the marker", () => {
    const left = [msg("a", "1"), msg("b", "2")];
    expect(
      messagesStateReducer(left, [msg("x", "dropped"), removeMessage(REMOVE_ALL_MESSAGES), msg("c", "3")]),
    ).toEqual([msg("c", "3")]);
    expect(messagesStateReducer(left, [removeMessage(REMOVE_ALL_MESSAGES)])).toEqual([]);
  });

  it("rejects malformed messages with a clear message", () => {
    expect(() => messagesStateReducer([], [{ role: "robot", content: "?" } as never])).toThrow(/role/);
    expect(() => messagesStateReducer([], [{ role: "user", content: 5 } as never])).toThrow(/content/);
  });

  it("ids assigned by the reducer are persisted: the stored thread keeps them across reads", async () => {
    const saver = new MemorySaver();
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("echo", (state) => ({
        messages: [{ role: "assistant" as const, content: `echo ${state.messages.length}` }],
      }))
      .addEdge(START, "echo")
      .addEdge("echo", END)
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    const result = await graph.invoke({ messages: ["hi"] }, config);
    const ids = result.messages.map((m) => m.id);
    expect((await graph.getState(config)).values.messages.map((m) => m.id)).toEqual(ids);
    const next = await graph.invoke({ messages: ["again"] }, config);
    expect(next.messages.slice(0, 2).map((m) => m.id)).toEqual(ids);
  });
});
