import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { END, MessagesAnnotation, START, StateGraph, interrupt, type MessageChunk } from "../../../src/graph";
import { collect, LogState } from "./helpers";

function streamingChat(saver = new MemorySaver()) {
  return new StateGraph(MessagesAnnotation)
    .addNode("call_model", async (_state, config) => {
      const id = "reply-1";
      for (const token of ["Hel", "lo", "!"]) config.emitMessageChunk({ id, role: "assistant", content: token });
      config.writer({ progress: "done" });
      return { messages: [{ id, role: "assistant" as const, content: "Hello!" }] };
    })
    .addNode("tool", () => ({ messages: [{ id: "tool-1", role: "tool" as const, content: "42", tool_call_id: "c" }] }))
    .addEdge(START, "call_model")
    .addEdge("call_model", "tool")
    .addEdge("tool", END)
    .compile({ checkpointer: saver });
}

const config = (thread_id = "t") => ({ configurable: { thread_id } });

describe("stream modes", () => {
  it("values (default): the full state after each step", async () => {
    const chunks = await collect(await streamingChat().stream({ messages: ["hi"] }, config()));
    expect(chunks.map((c) => c.messages.map((m) => m.content))).toEqual([
      ["hi"],
      ["hi", "Hello!"],
      ["hi", "Hello!", "42"],
    ]);
  });

  it("updates: { node: update } per task, the START step hidden", async () => {
    const chunks = await collect(
      await streamingChat().stream({ messages: ["hi"] }, { ...config(), streamMode: "updates" }),
    );
    expect(chunks).toEqual([
      { call_model: { messages: [{ id: "reply-1", role: "assistant", content: "Hello!" }] } },
      { tool: { messages: [{ id: "tool-1", role: "tool", content: "42", tool_call_id: "c" }] } },
    ]);
  });

  it("messages: token chunks with node and message id metadata, then unstreamed messages whole", async () => {
    const chunks = await collect(
      await streamingChat().stream({ messages: ["hi"] }, { ...config(), streamMode: "messages" }),
    );
    const tokens = chunks.filter(([, meta]) => meta.langgraph_node === "call_model");
    expect(tokens.map(([chunk]) => (chunk as MessageChunk).content)).toEqual(["Hel", "lo", "!"]);
    expect(tokens[0]![1]).toMatchObject({
      langgraph_node: "call_model",
      langgraph_step: 1,
      message_id: "reply-1",
      thread_id: "t",
    });
    expect(typeof tokens[0]![1].langgraph_task_id).toBe("string");
    // The streamed message is not repeated whole; the tool message (never streamed) is emitted once.
    const rest = chunks.filter(([, meta]) => meta.langgraph_node !== "call_model");
    expect(rest).toEqual([
      [
        { id: "tool-1", role: "tool", content: "42", tool_call_id: "c" },
        expect.objectContaining({ langgraph_node: "tool", message_id: "tool-1" }),
      ],
    ]);
  });

  it("custom: whatever the node writes through config.writer", async () => {
    const chunks = await collect(
      await streamingChat().stream({ messages: ["hi"] }, { ...config(), streamMode: "custom" }),
    );
    expect(chunks).toEqual([{ progress: "done" }]);
  });

  it("debug: checkpoint, task and task_result events (none for the hidden __start__ node)", async () => {
    const chunks = await collect(
      await streamingChat().stream({ messages: ["hi"] }, { ...config(), streamMode: "debug" }),
    );
    const types = chunks.map((c) => c.type);
    expect(types.filter((t) => t === "checkpoint")).toHaveLength(4);
    expect(chunks.filter((c) => c.type === "task").map((c) => (c.payload as { name: string }).name)).toEqual([
      "call_model",
      "tool",
    ]);
    expect(types.filter((t) => t === "task_result")).toHaveLength(2);
  });

  it("several modes at once yield [mode, chunk] pairs in order", async () => {
    const chunks = await collect(
      await streamingChat().stream(
        { messages: ["hi"] },
        { ...config(), streamMode: ["updates", "messages", "custom", "values"] },
      ),
    );
    const modes = chunks.map(([mode]) => mode);
    expect(modes).toEqual([
      "values",
      "messages",
      "messages",
      "messages",
      "custom",
      "updates",
      "values",
      "updates",
      "messages",
      "values",
    ]);
    const [, last] = chunks.at(-1)! as ["values", { messages: unknown[] }];
    expect(last.messages).toHaveLength(3);
  });

  it("interrupts appear in updates as { __interrupt__ }", async () => {
    const graph = new StateGraph(LogState)
      .addNode("ask", () => ({ log: interrupt<string, string>("?") }))
      .addEdge(START, "ask")
      .compile({ checkpointer: new MemorySaver() });
    const chunks = await collect(await graph.stream({ log: [] }, { ...config(), streamMode: "updates" }));
    expect(chunks).toEqual([{ __interrupt__: [{ id: expect.any(String), value: "?" }] }]);
  });

  it("a node error surfaces from the iterator; breaking out aborts the run and frees the thread", async () => {
    const saver = new MemorySaver();
    let signal: AbortSignal | undefined;
    const graph = new StateGraph(LogState)
      .addNode("a", () => ({ log: "a" }))
      .addNode("b", async (_s, cfg) => {
        signal = cfg.signal;
        await new Promise((_, reject) => cfg.signal.addEventListener("abort", () => reject(cfg.signal.reason)));
        return { log: "b" };
      })
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpointer: saver });
    for await (const chunk of await graph.stream({ log: [] }, config())) {
      expect(chunk.log).toEqual([]);
      break;
    }
    // Whatever point the run reached, the thread is unlocked and resumable.
    const lock = await saver.lockThread("t");
    await lock.release();
    expect(signal === undefined || signal.aborted).toBe(true);

    const failing = new StateGraph(LogState)
      .addNode("a", () => {
        throw new Error("kaput");
      })
      .addEdge(START, "a")
      .compile({ checkpointer: saver });
    await expect(collect(await failing.stream({ log: [] }, config("f")))).rejects.toThrow("kaput");
  });
});
