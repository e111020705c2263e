import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { Annotation, END, InvalidUpdateError, START, StateGraph } from "../../../src/graph";
import { history, LogState } from "./helpers";

const oneNode = (saver = new MemorySaver()) =>
  new StateGraph(LogState)
    .addNode("a", (state) => ({ log: `a${state.log.length}` }))
    .addEdge(START, "a")
    .addEdge("a", END)
    .compile({ checkpointer: saver });

describe("checkpoints and steps", () => {
  it("saves one input checkpoint per invocation and one loop checkpoint per step; step continues", async () => {
    const saver = new MemorySaver();
    const graph = oneNode(saver);
    const config = { configurable: { thread_id: "t" } };
    await graph.invoke({ log: ["in1"] }, config);
    await graph.invoke({ log: ["in2"] }, config);
    const all = await history(saver, "t");
    expect(all.map((t) => [t.metadata?.source, t.metadata?.step])).toEqual([
      ["input", -1],
      ["loop", 0],
      ["loop", 1],
      ["input", 2],
      ["loop", 3],
      ["loop", 4],
    ]);
    // Checkpoints form a chain: each one's parent is the previous one.
    for (let i = 1; i < all.length; i++)
      expect(all[i]!.parentConfig?.configurable?.checkpoint_id).toBe(all[i - 1]!.checkpoint.id);
    expect(all[0]!.parentConfig).toBeUndefined();
    expect(all.at(-1)!.checkpoint.channel_values.log).toEqual(["in1", "a1", "in2", "a3"]);
    // The input checkpoint holds the input in the __start__ channel, not yet in the state.
    expect(all[3]!.checkpoint.channel_values.__start__).toEqual({ log: ["in2"] });
    expect(all[3]!.checkpoint.v).toBe(4);
  });

  it("bumps written channels to max(versions) + 1 and records versions_seen per node", async () => {
    const saver = new MemorySaver();
    await oneNode(saver).invoke({ log: ["x"] }, { configurable: { thread_id: "t" } });
    const [input, afterStart, afterA] = await history(saver, "t");
    expect(input!.checkpoint.channel_versions.__start__).toBe(1);
    const v1 = afterStart!.checkpoint.channel_versions;
    expect(v1.log).toBe(2);
    expect(v1["branch:to:a"]).toBe(2);
    expect(afterStart!.checkpoint.versions_seen.__start__).toEqual({ __start__: 1 });
    const v2 = afterA!.checkpoint.channel_versions;
    expect(v2.log).toBe(3);
    expect(afterA!.checkpoint.versions_seen.a).toEqual({ "branch:to:a": 2 });
    // The trigger was consumed: nothing left to run.
    expect(afterA!.checkpoint.channel_values["branch:to:a"]).toBeUndefined();
    // Ids are time-ordered.
    expect(input!.checkpoint.id < afterStart!.checkpoint.id && afterStart!.checkpoint.id < afterA!.checkpoint.id).toBe(
      true,
    );
  });

  it("task ids are deterministic for a checkpoint (resume finds the same tasks)", async () => {
    const saver = new MemorySaver();
    let fail = true;
    const graph = new StateGraph(LogState)
      .addNode("a", () => {
        if (fail) throw new Error("boom");
        return { log: "a" };
      })
      .addEdge(START, "a")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    await expect(graph.invoke({ log: [] }, config)).rejects.toThrow("boom");
    const firstId = (await graph.getState(config)).tasks[0]!.id;
    expect((await graph.getState(config)).tasks[0]!.id).toBe(firstId);
    const tuple = await saver.getTuple(config);
    expect(tuple!.pendingWrites!.map(([id]) => id)).toEqual([firstId]);
    fail = false;
    await graph.invoke(null, config);
    expect((await graph.getState(config)).values.log).toEqual(["a"]);
  });

  it("a reducer folds all of a step's writes; a last-value key written twice in one step throws InvalidUpdateError", async () => {
    const fanOut = (target: "log" | "value") =>
      new StateGraph(LogState)
        .addNode("b", () => ({ [target]: target === "log" ? "b" : "vb" }))
        .addNode("c", () => ({ [target]: target === "log" ? "c" : "vc" }))
        .addEdge(START, "b")
        .addEdge(START, "c")
        .compile();
    expect((await fanOut("log").invoke({ log: ["start"] })).log).toEqual(["start", "b", "c"]);
    const error = await fanOut("value")
      .invoke({ log: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidUpdateError);
    expect((error as InvalidUpdateError).code).toBe("INVALID_CONCURRENT_GRAPH_UPDATE");
    expect((error as Error).message).toContain('"value"');
  });

  it("reducer without default starts from the first write; last value keeps the latest across steps", async () => {
    const State = Annotation.Root({
      total: Annotation<number>({ reducer: (a, b) => a + b }),
      last: Annotation<string>(),
    });
    const graph = new StateGraph(State)
      .addNode("one", () => ({ total: 1, last: "one" }))
      .addNode("two", () => ({ total: 10, last: "two" }))
      .addEdge(START, "one")
      .addEdge("one", "two")
      .compile();
    expect(await graph.invoke({ total: 5 })).toEqual({ total: 16, last: "two" });
  });

  it("runs without a checkpointer (no thread id needed)", async () => {
    const graph = new StateGraph(LogState)
      .addNode("a", () => ({ log: "a" }))
      .addEdge(START, "a")
      .compile();
    expect(await graph.invoke({ log: ["x"] })).toEqual({ log: ["x", "a"] });
    await expect(graph.getState({ configurable: { thread_id: "t" } })).rejects.toMatchObject({
      code: "MISSING_CHECKPOINTER",
    });
  });

  it("ignores keys that are not state keys, and rejects non-object node returns", async () => {
    const graph = new StateGraph(LogState)
      .addNode("a", () => ({ log: "a", unknown: 1 }) as never)
      .addEdge(START, "a")
      .compile();
    expect(await graph.invoke({ log: [] })).toEqual({ log: ["a"] });
    const bad = new StateGraph(LogState)
      .addNode("a", () => "oops" as never)
      .addEdge(START, "a")
      .compile();
    await expect(bad.invoke({ log: [] })).rejects.toMatchObject({
      name: "InvalidUpdateError",
      code: "INVALID_GRAPH_NODE_RETURN_VALUE",
    });
  });
});

describe("new input on a thread with unfinished work", () => {
  it("discards the unfinished tasks (LangGraph's behaviour) and runs from the new input", async () => {
    const saver = new MemorySaver();
    let fail = true;
    const runs: string[] = [];
    const graph = new StateGraph({ log: LogState.spec.log })
      .addNode(
        "a",
        () => {
          runs.push("a");
          if (fail) throw new Error("down");
          return { log: "a" };
        },
        { ends: [END] },
      )
      .addEdge(START, "a")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    await expect(graph.invoke({ log: ["first"] }, config)).rejects.toThrow("down");
    fail = false;
    const result = await graph.invoke({ log: ["second"] }, config);
    expect(result.log).toEqual(["first", "second", "a"]);
    expect(runs).toEqual(["a", "a"]);
    expect((await graph.getState(config)).next).toEqual([]);
  });
});
