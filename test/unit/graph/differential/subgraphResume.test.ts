import { describe } from "vitest";
import { differential, type Observer } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- graphs and snapshots of either runtime */

function logState(o: Observer) {
  const { Annotation } = o.rt;
  return Annotation.Root({
    log: Annotation({ reducer: (a: string[], b: string | string[]) => a.concat(b), default: () => [] }),
  });
}

function twoApprovals(o: Observer) {
  const { StateGraph, START, interrupt } = o.rt;
  const approval = (name: string) =>
    new StateGraph(logState(o))
      .addNode("ask", () => ({ log: [`${name}:${interrupt(`${name}?`)}`] }))
      .addEdge(START, "ask")
      .compile();
  return new StateGraph(logState(o))
    .addNode("left", approval("left"))
    .addNode("right", approval("right"))
    .addEdge(START, "left")
    .addEdge(START, "right")
    .compile({ checkpointer: o.rt.newSaver() });
}

describe("differential: resuming parallel subgraph interrupts", () => {
  differential("two subgraphs interrupted in one step, resumed by a map of interrupt id → value", async (o) => {
    const graph = twoApprovals(o);
    const config = { configurable: { thread_id: "t" } };
    const first = await o.invoke("run", graph, { log: [] }, config);
    const byValue = Object.fromEntries(first.__interrupt__.map((i: any) => [i.value, i.id]));
    await o.invoke(
      "resume both",
      graph,
      new o.rt.Command({ resume: { [byValue["left?"]]: "L", [byValue["right?"]]: "R" } }),
      config,
    );
    await o.state("final", graph, config);
  });

  differential("two subgraphs interrupted in one step, one resume value", async (o) => {
    const graph = twoApprovals(o);
    const config = { configurable: { thread_id: "t" } };
    await o.invoke("run", graph, { log: [] }, config);
    await o.invoke("resume", graph, new o.rt.Command({ resume: "same" }), config);
    await o.state("after", graph, config);
  });

  differential("resuming only one of two subgraph interrupts by id keeps the other pending", async (o) => {
    const graph = twoApprovals(o);
    const config = { configurable: { thread_id: "t" } };
    const first = await o.invoke("run", graph, { log: [] }, config);
    const left = first.__interrupt__.find((i: any) => i.value === "left?").id;
    await o.invoke("resume left", graph, new o.rt.Command({ resume: { [left]: "L" } }), config);
    await o.state("after", graph, config);
  });
});
