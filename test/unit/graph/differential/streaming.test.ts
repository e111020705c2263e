import { describe } from "vitest";
import { differential, type Observer } from "./harness";
import { logState, thread } from "./states";

/** a → b (b writes nothing) → c, with a checkpointer. */
function chain(o: Observer) {
  const { StateGraph, START, END } = o.rt;
  return new StateGraph(logState(o))
    .addNode("a", () => ({ log: "a", value: "x" }))
    .addNode("b", () => undefined)
    .addNode("c", () => ({ log: ["c"] }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile({ checkpointer: o.rt.newSaver() });
}

const modes = ["values", "updates", "debug", "tasks", "checkpoints", "custom"] as const;

describe("differential: streaming", () => {
  for (const mode of modes) {
    differential(`streamMode "${mode}" over a three-node chain (one node writes nothing)`, async (o) => {
      await o.stream(mode, chain(o), { log: [] }, { ...thread(), streamMode: mode });
    });
  }

  differential("several modes at once yield [mode, chunk] pairs", async (o) => {
    await o.stream("modes", chain(o), { log: [] }, { ...thread(), streamMode: ["updates", "values"] });
  });

  differential("custom: what a node writes through config.writer", async (o) => {
    const { StateGraph, START } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("a", (_s: unknown, config: { writer: (c: unknown) => void }) => {
        config.writer({ progress: 1 });
        config.writer("done");
        return { log: "a" };
      })
      .addEdge(START, "a")
      .compile();
    await o.stream("custom", graph, { log: [] }, { streamMode: ["custom", "updates"] });
  });

  differential("an interrupt in values, updates and debug streams, then the resume", async (o) => {
    const { StateGraph, START, END, interrupt, Command } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("first", () => ({ log: "first" }))
      .addNode("ask", () => ({ log: `ask:${interrupt("?")}` }))
      .addEdge(START, "first")
      .addEdge("first", "ask")
      .addEdge("ask", END)
      .compile({ checkpointer: o.rt.newSaver() });
    await o.stream("interrupted", graph, { log: [] }, { ...thread(), streamMode: ["values", "updates", "tasks"] });
    await o.stream("resumed", graph, new Command({ resume: "y" }), {
      ...thread(),
      streamMode: ["values", "updates", "debug"],
    });
  });
});
