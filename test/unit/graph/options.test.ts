import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { END, InvalidGraphError, START, StateGraph, UnsupportedOptionError } from "../../../src/graph";
import { LogState } from "./helpers";

function graph() {
  return new StateGraph(LogState)
    .addNode("a", () => ({ log: "a" }))
    .addNode("b", () => ({ log: "b" }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", END)
    .compile({ checkpointer: new MemorySaver() });
}
const config = { configurable: { thread_id: "t" } };

describe("nothing is silently ignored", () => {
  it("an unknown run option is refused before anything is written, naming it and what is accepted", async () => {
    const g = graph();
    await expect(g.invoke({ log: [] }, { ...config, interruptBefor: ["b"] } as never)).rejects.toThrow(
      /unknown option "interruptBefor".*interruptBefore/,
    );
    await expect(g.invoke({ log: [] }, { ...config, callbacks: [] } as never)).rejects.toBeInstanceOf(
      UnsupportedOptionError,
    );
    expect((await g.getState(config)).values).toEqual({});
  });

  it("an unknown stream mode is refused (LangGraph.js yields nothing for it)", async () => {
    await expect(graph().stream({ log: [] }, { ...config, streamMode: "everything" as never })).rejects.toThrow(
      /unknown stream mode "everything"/,
    );
    await expect(
      graph().stream({ log: [] }, { ...config, streamMode: ["values", "nope" as never] }),
    ).rejects.toBeInstanceOf(UnsupportedOptionError);
  });

  it("an unknown durability is refused", async () => {
    await expect(graph().invoke({ log: [] }, { ...config, durability: "eventually" as never })).rejects.toThrow(
      /durability must be/,
    );
  });

  it("an unknown node, retry or compile option is refused", () => {
    expect(() => new StateGraph(LogState).addNode("a", () => ({}), { cachePolicy: {} } as never)).toThrow(
      /addNode\("a"\): unknown option "cachePolicy"/,
    );
    expect(() =>
      new StateGraph(LogState).addNode("a", () => ({}), { retryPolicy: { maxAttempt: 3 } } as never),
    ).toThrow(/unknown option "maxAttempt"/);
    expect(() =>
      new StateGraph(LogState)
        .addNode("a", () => ({}))
        .addEdge(START, "a")
        .compile({ store: {} } as never),
    ).toThrow(/compile\(\): unknown option "store"/);
  });

  it("a per-call breakpoint naming an unknown node is refused", async () => {
    await expect(graph().invoke({ log: [] }, { ...config, interruptBefore: ["nope"] })).rejects.toBeInstanceOf(
      InvalidGraphError,
    );
  });
});
