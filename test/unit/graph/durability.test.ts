/**
 * Durability modes as LangGraph defines them: the default is "async" (a step's checkpoint is saved while the
 * next step runs; every save is awaited before invoke/stream resolves); "sync" saves before the next step.
 */
import { describe, expect, it } from "vitest";
import { START, StateGraph } from "../../../src/graph";
import { SlowPutSaver } from "../../fixtures/slowPutSaver";
import { history, LogState } from "./helpers";

function graphOn(saver: SlowPutSaver) {
  return new StateGraph(LogState)
    .addNode("a", () => ({ log: "a" }))
    .addNode("b", () => ({ log: "b" }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .compile({ checkpointer: saver });
}

describe("durability", () => {
  it("defaults to async: the next step runs while the input checkpoint is still being saved, and invoke awaits every save", async () => {
    const saver = new SlowPutSaver(new Set(["input"]));
    const result = await graphOn(saver).invoke({ log: [] }, { configurable: { thread_id: "t" } });
    expect(result.log).toEqual(["a", "b"]);
    // Node a's writes reached the saver before the input checkpoint was stored.
    expect(saver.events[0]).toMatch(/^writes:log/);
    expect(saver.events[1]).toBe("put:input:-1");
    // …and nothing was still in flight when invoke resolved.
    expect(saver.pendingPuts).toBe(0);
    expect(await history(saver, "t")).toHaveLength(4);
  });

  it("stream resolves only after every background save too", async () => {
    const saver = new SlowPutSaver(new Set(["input", "loop"]), 100);
    const chunks: unknown[] = [];
    for await (const chunk of await graphOn(saver).stream(
      { log: [] },
      { configurable: { thread_id: "t" }, streamMode: "updates" },
    ))
      chunks.push(chunk);
    expect(chunks).toEqual([{ a: { log: "a" } }, { b: { log: "b" } }]);
    expect(saver.pendingPuts).toBe(0);
    expect(await history(saver, "t")).toHaveLength(4);
  });

  it('"sync" stores each checkpoint before the next step starts', async () => {
    const saver = new SlowPutSaver(new Set(["input"]), 50);
    await graphOn(saver).invoke({ log: [] }, { configurable: { thread_id: "t" }, durability: "sync" });
    expect(saver.events[0]).toBe("put:input:-1");
    expect(saver.events[1]).toMatch(/^writes:log/);
  });
});
