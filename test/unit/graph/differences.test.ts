/**
 * Where Skein deliberately differs from LangGraph.js (README "Differences from LangGraph.js"), it throws a clear
 * error instead of silently behaving differently. Each case here is one row of that table.
 */
import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { Command, GraphError, InvalidGraphError, InvalidUpdateError, START, StateGraph } from "../../../src/graph";
import { collect, LogState } from "./helpers";

const child = () =>
  new StateGraph(LogState)
    .addNode("c", () => ({ log: "c" }))
    .addEdge(START, "c")
    .compile();

describe("differences from LangGraph.js are errors, not silence", () => {
  it("Command.PARENT from a node of a root graph, or as input, is an InvalidUpdateError", async () => {
    const graph = new StateGraph(LogState)
      .addNode("a", () => new Command({ graph: Command.PARENT, goto: "a" }))
      .addEdge(START, "a")
      .compile();
    await expect(graph.invoke({ log: [] })).rejects.toMatchObject({
      name: "InvalidUpdateError",
      code: "INVALID_PARENT_COMMAND",
    });
    const saved = new StateGraph(LogState)
      .addNode("a", () => ({ log: "a" }))
      .addEdge(START, "a")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "t" } };
    await saved.invoke({ log: [] }, config);
    await expect(saved.invoke(new Command({ graph: Command.PARENT, goto: "a" }), config)).rejects.toBeInstanceOf(
      InvalidUpdateError,
    );
  });

  it("state calls on a namespace no subgraph node owns name the namespace and where such checkpoints are read", async () => {
    const graph = new StateGraph(LogState)
      .addNode("n", async () => ({ log: (await child().invoke({ log: [] })).log }))
      .addEdge(START, "n")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ log: [] }, config);
    const [ns] = (await collect(graph.checkpointer!.list({ configurable: { thread_id: "t" } })))
      .map((t) => t.config.configurable?.checkpoint_ns)
      .filter((n) => n);
    expect(ns).toMatch(/^n:[0-9a-f-]{36}$/);
    const inner = { configurable: { thread_id: "t", checkpoint_ns: ns } };
    await expect(graph.getState(inner)).rejects.toMatchObject({
      code: "SUBGRAPH_NOT_FOUND",
      message: expect.stringContaining(ns!),
    });
    await expect(collect(graph.getStateHistory(inner))).rejects.toMatchObject({ code: "SUBGRAPH_NOT_FOUND" });
    // The checkpoints are there, under that namespace.
    expect((await graph.checkpointer!.getTuple(inner))?.checkpoint.channel_values.log).toEqual(["c"]);
  });

  it("getGraph({ xray }) and drawMermaidPng are NOT_SUPPORTED", () => {
    const graph = new StateGraph(LogState).addNode("child", child()).addEdge(START, "child").compile();
    expect(() => graph.getGraph({ xray: true })).toThrow(expect.objectContaining({ code: "NOT_SUPPORTED" }));
    expect(() => graph.getGraph().drawMermaidPng()).toThrow(GraphError);
  });

  it("streamEvents other than v2, and event filters, are NOT_SUPPORTED", async () => {
    const graph = child();
    await expect(collect(graph.streamEvents({ log: [] }, { version: "v1" } as never))).rejects.toMatchObject({
      code: "NOT_SUPPORTED",
    });
    await expect(
      collect(graph.streamEvents({ log: [] }, { version: "v2", includeNames: ["c"] } as never)),
    ).rejects.toMatchObject({
      code: "NOT_SUPPORTED",
      message: expect.stringContaining("includeNames"),
    });
  });

  it("bulkUpdateState with several updates in one superstep is NOT_SUPPORTED and writes nothing", async () => {
    const graph = new StateGraph(LogState)
      .addNode("a", () => ({ log: "a" }))
      .addNode("b", () => ({ log: "b" }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "t" } };
    const two = [
      {
        updates: [
          { values: { log: ["x"] }, asNode: "a" },
          { values: { log: ["y"] }, asNode: "b" },
        ],
      },
    ];
    await expect(graph.bulkUpdateState(config, two)).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
    await expect(graph.bulkUpdateState(config, [])).rejects.toBeInstanceOf(InvalidUpdateError);
    await expect(graph.bulkUpdateState(config, [{ updates: [] }])).rejects.toBeInstanceOf(InvalidUpdateError);
    expect(await collect(graph.getStateHistory(config))).toEqual([]);
  });

  it("addSequence([]) and a batch with a config list of the wrong length are refused", async () => {
    expect(() => new StateGraph(LogState).addSequence([])).toThrow(InvalidGraphError);
    await expect(child().batch([{ log: [] }, { log: [] }], [{}])).rejects.toMatchObject({ code: "INVALID_BATCH" });
  });
});
