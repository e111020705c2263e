import { describe } from "vitest";
import { differential, type Observer } from "./harness";
import { logState, thread } from "./states";

function abc(o: Observer, compile: Record<string, unknown> = {}) {
  const { StateGraph, START, END } = o.rt;
  return new StateGraph(logState(o))
    .addNode("a", () => ({ log: "a" }))
    .addNode("b", () => ({ log: "b" }))
    .addNode("c", () => ({ log: "c" }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile({ checkpointer: o.rt.newSaver(), ...compile });
}

describe("differential: breakpoints", () => {
  differential("compile({ interruptBefore }): stop, inspect, resume with null", async (o) => {
    const graph = abc(o, { interruptBefore: ["b"] });
    await o.invoke("first", graph, { log: [] }, thread());
    await o.state("at breakpoint", graph, thread());
    await o.invoke("resume", graph, null, thread());
    await o.history("history", graph, thread());
  });

  differential("compile({ interruptAfter }) streams __interrupt__: [] in updates and values", async (o) => {
    const graph = abc(o, { interruptAfter: ["a"] });
    await o.stream("first", graph, { log: [] }, { ...thread(), streamMode: ["updates", "values"] });
    await o.invoke("resume", graph, null, thread());
  });

  differential("interruptBefore given per call stops there (an approval gate)", async (o) => {
    const graph = abc(o);
    await o.invoke("first", graph, { log: [] }, { ...thread(), interruptBefore: ["b"] });
    await o.state("at breakpoint", graph, thread());
    await o.invoke("resume", graph, null, thread());
  });

  differential("interruptAfter given per call stops there", async (o) => {
    const graph = abc(o);
    await o.invoke("first", graph, { log: [] }, { ...thread(), interruptAfter: ["b"] });
    await o.state("at breakpoint", graph, thread());
    await o.invoke("resume", graph, null, thread());
  });

  differential('interruptBefore: "*" stops before every node', async (o) => {
    const graph = abc(o, { interruptBefore: "*" });
    await o.invoke("1", graph, { log: [] }, thread());
    await o.invoke("2", graph, null, thread());
    await o.invoke("3", graph, null, thread());
    await o.invoke("4", graph, null, thread());
  });

  differential("edit state at a breakpoint with updateState, then resume", async (o) => {
    const graph = abc(o, { interruptBefore: ["b"] });
    await o.invoke("first", graph, { log: [] }, thread());
    await graph.updateState(thread(), { value: "edited" });
    await o.state("edited", graph, thread());
    await o.invoke("resume", graph, null, thread());
  });
});
