import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { END, MessagesAnnotation, START, StateGraph, removeMessage, type StoredMessage } from "../../../src/graph";
import { collect, history, LogState } from "./helpers";

function chatGraph(saver: MemorySaver, counter = { calls: 0 }) {
  return new StateGraph(MessagesAnnotation)
    .addNode("call_model", () => ({ messages: [{ role: "assistant" as const, content: `reply ${++counter.calls}` }] }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });
}

const texts = (messages: StoredMessage[]) => messages.map((m) => m.content);

describe("state API", () => {
  it("getState returns values, next, tasks, metadata, config, parentConfig and createdAt", async () => {
    const saver = new MemorySaver();
    const graph = chatGraph(saver);
    const config = { configurable: { thread_id: "t" } };
    const empty = await graph.getState(config);
    expect(empty).toMatchObject({ values: {}, next: [], tasks: [] });
    await graph.invoke({ messages: ["hi"] }, config);
    const state = await graph.getState(config);
    expect(texts(state.values.messages)).toEqual(["hi", "reply 1"]);
    expect(state.next).toEqual([]);
    expect(state.tasks).toEqual([]);
    expect(state.metadata).toMatchObject({ source: "loop", step: 1 });
    expect(state.config.configurable).toMatchObject({ thread_id: "t", checkpoint_ns: "" });
    expect(state.parentConfig?.configurable?.checkpoint_id).toBeDefined();
    expect(Date.parse(state.createdAt!)).not.toBeNaN();
    // Mutating a snapshot never changes the thread.
    state.values.messages.push({ id: "x", role: "user", content: "injected" });
    expect((await graph.getState(config)).values.messages).toHaveLength(2);
    // A specific checkpoint by id.
    const input = (await history(saver, "t"))[0]!;
    const atInput = await graph.getState(input.config);
    expect(atInput.values).toEqual({ messages: [] });
    expect(atInput.next).toEqual(["__start__"]);
    expect(atInput.metadata?.source).toBe("input");
  });

  it("getStateHistory lists snapshots newest first, with limit, before and filter", async () => {
    const saver = new MemorySaver();
    const graph = chatGraph(saver);
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ messages: ["one"] }, config);
    await graph.invoke({ messages: ["two"] }, config);
    const all = await collect(graph.getStateHistory(config));
    expect(all.map((s) => s.metadata?.step)).toEqual([4, 3, 2, 1, 0, -1]);
    expect(all[0]!.values.messages).toHaveLength(4);
    expect(all[1]!.next).toEqual(["call_model"]);
    expect((await collect(graph.getStateHistory(config, { limit: 2 }))).map((s) => s.metadata?.step)).toEqual([4, 3]);
    const before = await collect(graph.getStateHistory(config, { before: all[2]!.config }));
    expect(before.map((s) => s.metadata?.step)).toEqual([1, 0, -1]);
    const inputs = await collect(graph.getStateHistory(config, { filter: { source: "input" } }));
    expect(inputs.map((s) => s.metadata?.step)).toEqual([2, -1]);
  });

  it("updateState runs the node's writers (reducers apply) and saves an update checkpoint; removeMessage deletes by id", async () => {
    const saver = new MemorySaver();
    const graph = chatGraph(saver);
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ messages: ["hi"] }, config);
    const [user, reply] = (await graph.getState(config)).values.messages;
    const next = await graph.updateState(
      config,
      { messages: [removeMessage(reply!.id), { id: user!.id, role: "user", content: "edited" }] },
      "call_model",
    );
    const state = await graph.getState(config);
    expect(state.config.configurable?.checkpoint_id).toBe(next.configurable?.checkpoint_id);
    expect(state.metadata).toMatchObject({ source: "update", step: 2 });
    expect(state.values.messages).toEqual([{ id: user!.id, role: "user", content: "edited" }]);
    // call_model's edge goes to END: nothing next.
    expect(state.next).toEqual([]);
    // Without asNode: the graph has one node, so it is that node.
    await graph.updateState(config, { messages: [{ role: "assistant", content: "added" }] });
    expect(texts((await graph.getState(config)).values.messages)).toEqual(["edited", "added"]);
    await expect(
      graph.updateState(config, { messages: [removeMessage("missing")] }, "call_model"),
    ).rejects.toMatchObject({
      code: "MESSAGE_NOT_FOUND",
    });
    await expect(graph.updateState(config, {}, "nope")).rejects.toThrow(/does not exist/);
  });

  it("updateState as a node follows that node's edges; without asNode the last writer is used, ties are ambiguous", async () => {
    const saver = new MemorySaver();
    const graph = new StateGraph(LogState)
      .addNode("a", () => ({ log: "a" }))
      .addNode("b", () => ({ log: "b" }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpointer: saver, interruptBefore: ["b"] });
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ log: [] }, config);
    expect((await graph.getState(config)).next).toEqual(["b"]);
    await graph.updateState(config, { log: "human" }); // inferred: "a" wrote last
    const state = await graph.getState(config);
    expect(state.values.log).toEqual(["a", "human"]);
    expect(state.next).toEqual(["b"]);
    expect((await graph.invoke(null, config)).log).toEqual(["a", "human", "b"]);

    const parallel = new StateGraph(LogState)
      .addNode("x", () => ({ log: "x" }))
      .addNode("y", () => ({ log: "y" }))
      .addEdge(START, "x")
      .addEdge(START, "y")
      .compile({ checkpointer: saver });
    const other = { configurable: { thread_id: "u" } };
    await parallel.invoke({ log: [] }, other);
    await expect(parallel.updateState(other, { log: "?" })).rejects.toMatchObject({ code: "AMBIGUOUS_UPDATE" });
  });

  it("updateState with __copy__ forks a sibling of the checkpoint; __input__ writes new input", async () => {
    const saver = new MemorySaver();
    const graph = chatGraph(saver);
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ messages: ["hi"] }, config);
    const head = (await saver.getTuple(config))!;
    const copy = await graph.updateState(config, null, "__copy__");
    const copied = (await saver.getTuple(copy))!;
    expect(copied.metadata).toMatchObject({ source: "fork", step: 2 });
    expect(copied.parentConfig?.configurable?.checkpoint_id).toBe(head.parentConfig?.configurable?.checkpoint_id);
    expect(copied.checkpoint.channel_values).toEqual(head.checkpoint.channel_values);
    expect((await graph.getState(config)).config.configurable?.checkpoint_id).toBe(copy.configurable?.checkpoint_id);

    await graph.updateState(config, { messages: ["queued"] }, "__input__");
    expect((await graph.getState(config)).next).toEqual(["__start__"]);
    const result = await graph.invoke(null, config);
    expect(texts(result.messages)).toEqual(["hi", "reply 1", "queued", "reply 2"]);
  });

  it("updateState(config, null, END) finishes pending tasks so nothing is next", async () => {
    const saver = new MemorySaver();
    let fail = true;
    const graph = new StateGraph(LogState)
      .addNode("a", () => {
        if (fail) throw new Error("down");
        return { log: "a" };
      })
      .addEdge(START, "a")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    await expect(graph.invoke({ log: ["in"] }, config)).rejects.toThrow("down");
    expect((await graph.getState(config)).next).toEqual(["a"]);
    await graph.updateState(config, null, END);
    const state = await graph.getState(config);
    expect(state.next).toEqual([]);
    expect(state.values.log).toEqual(["in"]);
    fail = false;
    expect((await graph.invoke({ log: ["next"] }, config)).log).toEqual(["in", "next", "a"]);
  });

  it("replay: invoke(null) at an older checkpoint forks from it (source fork) and the new branch becomes the head", async () => {
    const saver = new MemorySaver();
    const counter = { calls: 0 };
    const graph = chatGraph(saver, counter);
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ messages: ["hi"] }, config);
    await graph.invoke({ messages: ["again"] }, config);
    const snapshots = await collect(graph.getStateHistory(config));
    const beforeModel = snapshots.find((s) => s.metadata?.step === 3)!; // after "again" was added, before call_model
    expect(beforeModel.next).toEqual(["call_model"]);
    const replayed = await graph.invoke(null, beforeModel.config);
    expect(texts(replayed.messages)).toEqual(["hi", "reply 1", "again", "reply 3"]);
    const chain = await history(saver, "t");
    const fork = chain.find((t) => t.metadata?.source === "fork")!;
    expect(fork.parentConfig?.configurable?.checkpoint_id).toBe(beforeModel.config.configurable?.checkpoint_id);
    const head = (await saver.getTuple(config))!;
    expect(head.parentConfig?.configurable?.checkpoint_id).toBe(fork.checkpoint.id);
    expect(texts((await graph.getState(config)).values.messages)).toEqual(["hi", "reply 1", "again", "reply 3"]);
    // The original branch is still there.
    const original = snapshots[0]!;
    expect(texts((await graph.getState(original.config)).values.messages)).toEqual([
      "hi",
      "reply 1",
      "again",
      "reply 2",
    ]);
    // A new turn from an old checkpoint (not null input) branches too.
    const first = snapshots.find((s) => s.metadata?.step === 1)!;
    const branched = await graph.invoke({ messages: ["other"] }, first.config);
    expect(texts(branched.messages)).toEqual(["hi", "reply 1", "other", "reply 4"]);
  });
});
