import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { Command, END, START, StateGraph, interrupt, type CompileOptions } from "../../../src/graph";
import { LogState } from "./helpers";

/** ask → (interrupt for approval) → act. A new compile() each time, over the same saver. */
function approvalGraph(options: CompileOptions, runs: string[]) {
  return new StateGraph(LogState)
    .addNode("ask", () => (runs.push("ask"), { log: "ask" }))
    .addNode("approve", () => {
      runs.push("approve:start");
      const answer = interrupt<{ question: string }, string>({ question: "ok?" });
      runs.push(`approve:${answer}`);
      return { log: `approved:${answer}` };
    })
    .addNode("act", () => (runs.push("act"), { log: "act" }))
    .addEdge(START, "ask")
    .addEdge("ask", "approve")
    .addEdge("approve", "act")
    .addEdge("act", END)
    .compile(options);
}

describe("interrupts", () => {
  it("interrupt() stops the run; Command({ resume }) re-runs the node from its start with the value, across a new compile()", async () => {
    const saver = new MemorySaver();
    const runs: string[] = [];
    const config = { configurable: { thread_id: "t" } };
    const first = await approvalGraph({ checkpointer: saver }, runs).invoke({ log: [] }, config);
    expect(first.log).toEqual(["ask"]);
    expect(first.__interrupt__).toEqual([{ id: expect.any(String), value: { question: "ok?" } }]);

    const fresh = approvalGraph({ checkpointer: saver }, runs);
    const state = await fresh.getState(config);
    expect(state.next).toEqual(["approve"]);
    expect(state.tasks[0]!.interrupts).toEqual(first.__interrupt__);
    expect(state.interrupts).toEqual(first.__interrupt__);

    const done = await fresh.invoke(new Command({ resume: "yes" }), config);
    expect(done.log).toEqual(["ask", "approved:yes", "act"]);
    expect(done.__interrupt__).toBeUndefined();
    expect(runs).toEqual(["ask", "approve:start", "approve:start", "approve:yes", "act"]);
    expect((await fresh.getState(config)).next).toEqual([]);
  });

  it("the n-th interrupt() call gets the n-th resume value", async () => {
    const saver = new MemorySaver();
    const graph = new StateGraph(LogState)
      .addNode("form", () => {
        const name = interrupt<string, string>("name?");
        const age = interrupt<string, string>("age?");
        return { log: [`${name}/${age}`] };
      })
      .addEdge(START, "form")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    expect((await graph.invoke({ log: [] }, config)).__interrupt__?.[0]?.value).toBe("name?");
    const second = await graph.invoke(new Command({ resume: "bob" }), config);
    expect(second.__interrupt__?.[0]?.value).toBe("age?");
    expect((await graph.invoke(new Command({ resume: "42" }), config)).log).toEqual(["bob/42"]);
  });

  it("resume by interrupt id targets one of several interrupted tasks", async () => {
    const saver = new MemorySaver();
    const graph = new StateGraph(LogState)
      .addNode("x", () => ({ log: `x:${interrupt<string, string>("x?")}` }))
      .addNode("y", () => ({ log: `y:${interrupt<string, string>("y?")}` }))
      .addEdge(START, "x")
      .addEdge(START, "y")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    const first = await graph.invoke({ log: [] }, config);
    expect(first.__interrupt__?.map((i) => i.value).sort()).toEqual(["x?", "y?"]);
    const xId = first.__interrupt__!.find((i) => i.value === "x?")!.id;
    const yId = first.__interrupt__!.find((i) => i.value === "y?")!.id;
    const second = await graph.invoke(new Command({ resume: { [xId]: "1" } }), config);
    expect(second.__interrupt__?.map((i) => i.value)).toEqual(["y?"]);
    const done = await graph.invoke(new Command({ resume: { [yId]: "2" } }), config);
    expect(done.log).toEqual(["x:1", "y:2"]);
  });

  it("interruptBefore stops before the node; invoke(null) continues; it survives a new compile()", async () => {
    const saver = new MemorySaver();
    const runs: string[] = [];
    const config = { configurable: { thread_id: "t" } };
    const graphWithBreak = () =>
      new StateGraph(LogState)
        .addNode("ask", () => (runs.push("ask"), { log: "ask" }))
        .addNode("act", () => (runs.push("act"), { log: "act" }))
        .addEdge(START, "ask")
        .addEdge("ask", "act")
        .compile({ checkpointer: saver, interruptBefore: ["act"] });
    expect((await graphWithBreak().invoke({ log: [] }, config)).log).toEqual(["ask"]);
    expect((await graphWithBreak().getState(config)).next).toEqual(["act"]);
    expect(runs).toEqual(["ask"]);
    expect((await graphWithBreak().invoke(null, config)).log).toEqual(["ask", "act"]);
    expect(runs).toEqual(["ask", "act"]);
    // A new input hits the breakpoint again.
    expect((await graphWithBreak().invoke({ log: ["again"] }, config)).log).toEqual(["ask", "act", "again", "ask"]);
  });

  it("interruptAfter stops after the node ran and saved; invoke(null) continues", async () => {
    const saver = new MemorySaver();
    const runs: string[] = [];
    const config = { configurable: { thread_id: "t" } };
    const graph = new StateGraph(LogState)
      .addNode("ask", () => (runs.push("ask"), { log: "ask" }))
      .addNode("act", () => (runs.push("act"), { log: "act" }))
      .addEdge(START, "ask")
      .addEdge("ask", "act")
      .compile({ checkpointer: saver, interruptAfter: "*" });
    expect((await graph.invoke({ log: [] }, config)).log).toEqual(["ask"]);
    const state = await graph.getState(config);
    expect(state.next).toEqual(["act"]);
    expect(state.metadata?.source).toBe("loop");
    expect((await graph.invoke(null, config)).log).toEqual(["ask", "act"]);
    expect(runs).toEqual(["ask", "act"]);
  });

  it("interrupt() without a checkpointer is a clear error", async () => {
    const graph = new StateGraph(LogState)
      .addNode("a", () => ({ log: interrupt<string, string>("?") }))
      .addEdge(START, "a")
      .compile();
    await expect(graph.invoke({ log: [] })).rejects.toMatchObject({ code: "MISSING_CHECKPOINTER" });
    expect(() => interrupt("outside")).toThrow(/inside a node/);
  });

  it("Command({ update, goto }) as input edits the state and routes on resume", async () => {
    const saver = new MemorySaver();
    const graph = new StateGraph(LogState)
      .addNode("a", () => ({ log: `a:${interrupt<string, string>("?")}` }), { ends: ["b"] })
      .addNode("b", () => ({ log: "b" }))
      .addEdge(START, "a")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ log: [] }, config);
    const result = await graph.invoke(new Command({ resume: "r", update: { log: "patched" }, goto: "b" }), config);
    expect(result.log).toEqual(["patched", "a:r", "b"]);
  });
});
