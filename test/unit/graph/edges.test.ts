import { describe, expect, it } from "vitest";
import {
  Annotation,
  Command,
  END,
  GraphRecursionError,
  InvalidGraphError,
  Send,
  START,
  StateGraph,
} from "../../../src/graph";
import { LogState } from "./helpers";

const log = (name: string) => () => ({ log: name });

describe("edges", () => {
  it("conditional edge: the router returns a node name, or END", async () => {
    const build = () =>
      new StateGraph(LogState)
        .addNode("decide", log("decide"))
        .addNode("left", log("left"))
        .addNode("right", log("right"))
        .addEdge(START, "decide")
        .addConditionalEdges("decide", (state) => (state.value === "L" ? "left" : state.value === "R" ? "right" : END))
        .compile();
    expect((await build().invoke({ value: "L" })).log).toEqual(["decide", "left"]);
    expect((await build().invoke({ value: "R" })).log).toEqual(["decide", "right"]);
    expect((await build().invoke({ value: "-" })).log).toEqual(["decide"]);
  });

  it("conditional edge: a list of nodes runs them in parallel; a path map translates router keys", async () => {
    const graph = new StateGraph(LogState)
      .addNode("decide", log("decide"))
      .addNode("x", log("x"))
      .addNode("y", log("y"))
      .addEdge(START, "decide")
      .addConditionalEdges("decide", () => ["go_y", "go_x"], { go_x: "x", go_y: "y", stop: END })
      .compile();
    // Writes of one step fold in task order (node name), not finishing order.
    expect((await graph.invoke({ log: [] })).log).toEqual(["decide", "x", "y"]);

    const withList = new StateGraph(LogState)
      .addNode("a", log("a"))
      .addNode("b", log("b"))
      .addEdge(START, "a")
      .addConditionalEdges("a", () => "b", ["b"])
      .compile();
    expect((await withList.invoke({ log: [] })).log).toEqual(["a", "b"]);

    const badKey = new StateGraph(LogState)
      .addNode("a", log("a"))
      .addEdge(START, "a")
      .addConditionalEdges("a", () => "nope", { yes: END })
      .compile();
    await expect(badKey.invoke({ log: [] })).rejects.toMatchObject({ code: "INVALID_ROUTE" });
  });

  it("routers see the state including the node's own update", async () => {
    const seen: string[][] = [];
    const graph = new StateGraph(LogState)
      .addNode("a", log("a"))
      .addEdge(START, "a")
      .addConditionalEdges("a", (state) => {
        seen.push(state.log);
        return END;
      })
      .compile();
    await graph.invoke({ log: ["in"] });
    expect(seen).toEqual([["in", "a"]]);
  });

  it("fan-out then fan-in: a waiting edge runs its node once, after all of its sources", async () => {
    const graph = new StateGraph(LogState)
      .addNode("start", log("start"))
      .addNode("fast", log("fast"))
      .addNode("slow1", log("slow1"))
      .addNode("slow2", log("slow2"))
      .addNode("join", (state) => ({ log: `join(${state.log.length})` }))
      .addEdge(START, "start")
      .addEdge("start", "fast")
      .addEdge("start", "slow1")
      .addEdge("slow1", "slow2")
      .addEdge(["fast", "slow2"], "join")
      .addEdge("join", END)
      .compile();
    const result = await graph.invoke({ log: [] });
    expect(result.log).toEqual(["start", "fast", "slow1", "slow2", "join(4)"]);
  });

  it("Send fans out one task per packet with its own input; results fold back in order", async () => {
    const State = Annotation.Root({
      subjects: Annotation<string[]>(),
      jokes: Annotation<string[], string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new StateGraph(State)
      .addNode("plan", () => ({}))
      .addNode("joke", (input) => ({ jokes: [`joke about ${(input as unknown as { subject: string }).subject}`] }))
      .addEdge(START, "plan")
      .addConditionalEdges("plan", (state) => state.subjects.map((subject) => new Send("joke", { subject })))
      .addEdge("joke", END)
      .compile();
    const result = await graph.invoke({ subjects: ["cats", "dogs", "owls"] });
    expect(result.jokes).toEqual(["joke about cats", "joke about dogs", "joke about owls"]);
  });

  it("a node returning Command({ update, goto }) updates the state and routes", async () => {
    const graph = new StateGraph(LogState)
      .addNode("a", () => new Command({ update: { log: "a" }, goto: "c" }), { ends: ["b", "c"] })
      .addNode("b", log("b"))
      .addNode("c", log("c"))
      .addEdge(START, "a")
      .compile();
    expect((await graph.invoke({ log: [] })).log).toEqual(["a", "c"]);
    const toSend = new StateGraph(LogState)
      .addNode("a", () => new Command({ goto: [new Send("b", { log: [] }), END] }), { ends: ["b"] })
      .addNode("b", log("b"))
      .addEdge(START, "a")
      .compile();
    expect((await toSend.invoke({ log: [] })).log).toEqual(["b"]);
  });

  it("recursionLimit (default 25) stops a loop with GraphRecursionError", async () => {
    const build = () =>
      new StateGraph(LogState)
        .addNode("loop", log("x"))
        .addEdge(START, "loop")
        .addConditionalEdges("loop", (state) => (state.log.length < 100 ? "loop" : END))
        .compile();
    const error = await build()
      .invoke({ log: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRecursionError);
    expect(error).toMatchObject({ code: "GRAPH_RECURSION_LIMIT", limit: 25 });
    await expect(build().invoke({ log: [] }, { recursionLimit: 5 })).rejects.toMatchObject({ limit: 5 });
    // As in LangGraph: the START step plus 24 node steps fit in the default limit of 25.
    const bounded = new StateGraph(LogState)
      .addNode("loop", log("x"))
      .addEdge(START, "loop")
      .addConditionalEdges("loop", (state) => (state.log.length < 24 ? "loop" : END))
      .compile();
    expect((await bounded.invoke({ log: [] })).log).toHaveLength(24);
    expect((await build().invoke({ log: [] }, { recursionLimit: 200 })).log).toHaveLength(100);
  });

  it("compile() rejects unknown node names, missing entry points and reserved names", () => {
    const base = () => new StateGraph(LogState).addNode("a", log("a"));
    expect(() => base().addEdge(START, "a").addEdge("a", "ghost").compile()).toThrow(InvalidGraphError);
    expect(() => base().addEdge(START, "a").addEdge("ghost", "a").compile()).toThrow(/unknown node "ghost"/);
    expect(() =>
      base()
        .addEdge(START, "a")
        .addConditionalEdges("a", () => "x", { x: "ghost" })
        .compile(),
    ).toThrow(/ghost/);
    expect(() => base().addEdge(START, "a").addEdge(["a", "ghost"], END).compile()).toThrow(/ghost/);
    expect(() =>
      base()
        .addEdge(START, "a")
        .compile({ interruptBefore: ["ghost"] }),
    ).toThrow(/ghost/);
    expect(() => base().compile()).toThrow(/entry point/);
    expect(() => base().addNode("a", log("a"))).toThrow(/already present/);
    expect(() => base().addNode(END, log("x"))).toThrow(/reserved/);
    expect(() => base().addNode("log", log("x"))).toThrow(/state key/);
    expect(() => base().addEdge(START, "ghost").compile()).toThrow(
      expect.objectContaining({ name: "InvalidGraphError", code: "INVALID_GRAPH" }),
    );
  });
});
