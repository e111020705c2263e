import { describe, expect, it } from "vitest";
import { MemorySaver, ThreadBusyError } from "../../../src/checkpoint";
import { END, GraphAbortError, EmptyInputError, MissingThreadIdError, START, StateGraph } from "../../../src/graph";
import { history, LogState } from "./helpers";

/** b and c run in parallel after a; c fails while `failing` is set. Counts runs per node. */
function parallelGraph(saver: MemorySaver, control: { failing: boolean }, runs: Record<string, number>) {
  const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
  return new StateGraph(LogState)
    .addNode("a", () => (count("a"), { log: "a" }))
    .addNode("b", () => (count("b"), { log: "b" }))
    .addNode("c", async () => {
      count("c");
      await new Promise((resolve) => setImmediate(resolve));
      if (control.failing) throw new TypeError("c failed");
      return { log: "c" };
    })
    .addNode("d", () => (count("d"), { log: "d" }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("a", "c")
    .addEdge(["b", "c"], "d")
    .addEdge("d", END)
    .compile({ checkpointer: saver });
}

describe("failure, resume, abort and locking", () => {
  it("a failing node keeps its siblings' writes, records the error, and resume re-runs only the failed task", async () => {
    const saver = new MemorySaver();
    const control = { failing: true };
    const runs: Record<string, number> = {};
    const graph = parallelGraph(saver, control, runs);
    const config = { configurable: { thread_id: "t" } };
    await expect(graph.invoke({ log: [] }, config)).rejects.toThrow(TypeError);

    const state = await graph.getState(config);
    expect(state.next).toEqual(["c"]);
    const failed = state.tasks.find((t) => t.name === "c")!;
    expect(failed.error).toEqual({ message: "c failed", name: "TypeError" });
    expect(state.tasks.find((t) => t.name === "b")!.result).toEqual({ log: "b" });
    // b's finished write is applied to the head's values; no loop checkpoint for the failed step.
    expect(state.values.log).toEqual(["a", "b"]);
    expect((await history(saver, "t")).map((t) => t.metadata?.source)).toEqual(["input", "loop", "loop"]);
    const pending = (await saver.getTuple(config))!.pendingWrites!;
    expect(pending.map(([, chan]) => chan).sort()).toEqual(["__error__", "join:b+c:d", "log"].sort());

    control.failing = false;
    const result = await graph.invoke(null, config);
    expect(result.log).toEqual(["a", "b", "c", "d"]);
    expect(runs).toEqual({ a: 1, b: 1, c: 2, d: 1 });
    expect((await graph.getState(config)).next).toEqual([]);
  });

  it("a sibling that finished without writing anything is not re-run on resume", async () => {
    const saver = new MemorySaver();
    const runs: string[] = [];
    let fail = true;
    const graph = new StateGraph(LogState)
      .addNode("quiet", () => (runs.push("quiet"), {}))
      .addNode("loud", async () => {
        runs.push("loud");
        await new Promise((resolve) => setImmediate(resolve));
        if (fail) throw new Error("loud failed");
        return { log: "loud" };
      })
      .addEdge(START, "quiet")
      .addEdge(START, "loud")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    await expect(graph.invoke({ log: [] }, config)).rejects.toThrow("loud failed");
    expect((await graph.getState(config)).next).toEqual(["loud"]);
    fail = false;
    expect((await graph.invoke(null, config)).log).toEqual(["loud"]);
    expect(runs).toEqual(["quiet", "loud", "loud"]);
  });

  it("invoke(null) on an empty thread is EmptyInputError; a missing thread_id is a clear error", async () => {
    const graph = parallelGraph(new MemorySaver(), { failing: false }, {});
    await expect(graph.invoke(null, { configurable: { thread_id: "empty" } })).rejects.toBeInstanceOf(EmptyInputError);
    await expect(graph.invoke({ log: [] })).rejects.toBeInstanceOf(MissingThreadIdError);
    await expect(graph.invoke({ log: [] }, { configurable: {} })).rejects.toThrow(/thread_id/);
    await expect(graph.stream({ log: [] })).rejects.toMatchObject({ code: "MISSING_THREAD_ID" });
    await expect(graph.getState({})).rejects.toMatchObject({ code: "MISSING_THREAD_ID" });
    await expect(
      graph.invoke({ log: [] }, { configurable: { thread_id: "x", checkpoint_id: "nope" } }),
    ).rejects.toMatchObject({
      code: "CHECKPOINT_NOT_FOUND",
    });
  });

  it("signal aborts promptly, even if the node ignores it, and the thread stays resumable", async () => {
    const saver = new MemorySaver();
    let release!: () => void;
    const started = new Promise<void>((resolve) => (release = resolve));
    let hang = true;
    let nodeSignal: AbortSignal | undefined;
    const graph = new StateGraph(LogState)
      .addNode("slow", async (_state, config) => {
        nodeSignal = config.signal;
        if (hang) {
          release();
          await new Promise(() => {}); // never settles and ignores the signal
        }
        return { log: "slow" };
      })
      .addEdge(START, "slow")
      .compile({ checkpointer: saver });
    const controller = new AbortController();
    const config = { configurable: { thread_id: "t" } };
    const run = graph.invoke({ log: ["in"] }, { ...config, signal: controller.signal });
    await started;
    controller.abort(new Error("user pressed stop"));
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphAbortError);
    expect(error).toMatchObject({ name: "AbortError", code: "ABORTED" });
    expect(nodeSignal?.aborted).toBe(true);
    // The lock was released and the unfinished task is still next.
    expect((await graph.getState(config)).next).toEqual(["slow"]);
    hang = false;
    expect((await graph.invoke(null, config)).log).toEqual(["in", "slow"]);
  });

  it("an already-aborted signal stops before any node runs", async () => {
    let ran = false;
    const graph = new StateGraph(LogState)
      .addNode("a", () => ((ran = true), { log: "a" }))
      .addEdge(START, "a")
      .compile({ checkpointer: new MemorySaver() });
    const controller = new AbortController();
    controller.abort();
    await expect(
      graph.invoke({ log: [] }, { configurable: { thread_id: "t" }, signal: controller.signal }),
    ).rejects.toBeInstanceOf(GraphAbortError);
    expect(ran).toBe(false);
    expect(await graph.getState({ configurable: { thread_id: "t" } })).toMatchObject({ values: {}, next: [] });
  });

  it("two racing runs on one thread: the second gets ThreadBusyError, never a silent fork", async () => {
    const saver = new MemorySaver();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const graph = new StateGraph(LogState)
      .addNode("a", async () => {
        entered();
        await gate;
        return { log: "a" };
      })
      .addEdge(START, "a")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" } };
    const first = graph.invoke({ log: ["1"] }, config);
    await inside;
    await expect(graph.invoke({ log: ["2"] }, config)).rejects.toBeInstanceOf(ThreadBusyError);
    await expect(graph.updateState(config, { log: ["x"] }, "a")).rejects.toMatchObject({ code: "THREAD_BUSY" });
    // Other threads are not blocked.
    const other = graph.invoke({ log: ["o"] }, { configurable: { thread_id: "u" } });
    release();
    expect((await first).log).toEqual(["1", "a"]);
    expect((await other).log).toEqual(["o", "a"]);
    // A single chain: no checkpoint of thread t has two children.
    const parents = (await history(saver, "t")).map((x) => x.parentConfig?.configurable?.checkpoint_id);
    expect(new Set(parents).size).toBe(parents.length);
    // The lock is free again.
    expect((await graph.invoke({ log: ["3"] }, config)).log).toEqual(["1", "a", "3", "a"]);
  });

  it("durability exit saves once at the end; async saves the same chain in the background", async () => {
    for (const durability of ["exit", "async", "sync"] as const) {
      const saver = new MemorySaver();
      const graph = new StateGraph(LogState)
        .addNode("a", () => ({ log: "a" }))
        .addNode("b", () => ({ log: "b" }))
        .addEdge(START, "a")
        .addEdge("a", "b")
        .compile({ checkpointer: saver });
      const config = { configurable: { thread_id: "t" }, durability };
      await graph.invoke({ log: [] }, config);
      const chain = await history(saver, "t");
      expect(chain.at(-1)!.checkpoint.channel_values.log).toEqual(["a", "b"]);
      expect(chain).toHaveLength(durability === "exit" ? 1 : 4);
      await graph.invoke({ log: ["again"] }, config);
      expect((await graph.getState(config)).values.log).toEqual(["a", "b", "again", "a", "b"]);
    }
  });

  it("durability exit still records a failure so the thread can resume", async () => {
    const saver = new MemorySaver();
    const control = { failing: true };
    const runs: Record<string, number> = {};
    const graph = parallelGraph(saver, control, runs);
    const config = { configurable: { thread_id: "t" }, durability: "exit" as const };
    await expect(graph.invoke({ log: [] }, config)).rejects.toThrow("c failed");
    expect((await graph.getState(config)).next).toEqual(["c"]);
    control.failing = false;
    expect((await graph.invoke(null, config)).log).toEqual(["a", "b", "c", "d"]);
    expect(runs.b).toBe(1);
  });
});
