import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { FileSaver } from "../../../../src/checkpoint";
import { differential, snapshotView, type Observer } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- graphs and snapshots of either runtime */

function logState(o: Observer) {
  const { Annotation } = o.rt;
  return Annotation.Root({
    log: Annotation({ reducer: (a: string[], b: string | string[]) => a.concat(b), default: () => [] }),
  });
}

/** A snapshot with each subgraph task's `state` (a config, or a nested snapshot) kept. */
function nestedView(snapshot: any): any {
  const view = snapshotView(snapshot);
  view.tasks = view.tasks.map((task: any, i: number) => {
    const state = snapshot.tasks[i].state;
    if (state === undefined) return task;
    return { ...task, state: "values" in state ? nestedView(state) : state.configurable };
  });
  return view;
}

/** p1 → child (c1 → c2, which asks for approval) → p2. */
function approvalSubgraph(o: Observer) {
  const { StateGraph, START, interrupt } = o.rt;
  const child = new StateGraph(logState(o))
    .addNode("c1", () => ({ log: ["c1"] }))
    .addNode("c2", () => ({ log: [`c2:${interrupt("ok?")}`] }))
    .addEdge(START, "c1")
    .addEdge("c1", "c2")
    .compile();
  return new StateGraph(logState(o))
    .addNode("p1", () => ({ log: ["p1"] }))
    .addNode("child", child)
    .addNode("p2", () => ({ log: ["p2"] }))
    .addEdge(START, "p1")
    .addEdge("p1", "child")
    .addEdge("child", "p2")
    .compile({ checkpointer: o.rt.newSaver() });
}

async function approvalProgram(o: Observer): Promise<void> {
  const graph = approvalSubgraph(o);
  const config = { configurable: { thread_id: "t" } };
  await o.stream(
    "run to the interrupt",
    graph,
    { log: ["in"] },
    { ...config, streamMode: ["updates"], subgraphs: true },
  );
  await o.state("parent state", graph, config);
  const nested = await o.attempt("state with subgraphs", async () =>
    nestedView(await graph.getState(config, { subgraphs: true })),
  );
  const childConfig = { configurable: nested?.tasks[0]?.state?.config };
  await o.attempt("child state through its namespace", async () =>
    nestedView(await graph.getState((await graph.getState(config)).tasks[0].state)),
  );
  await o.history("child history", graph, (await graph.getState(config)).tasks[0].state);
  o.record("child config has the checkpoint map", Object.keys(childConfig.configurable?.checkpoint_map ?? {}).length);
  await o.stream("resume", graph, new o.rt.Command({ resume: "yes" }), {
    ...config,
    streamMode: ["updates", "values"],
    subgraphs: true,
  });
  await o.state("final state", graph, config);
  await o.history("parent history", graph, config);
}

describe("differential: subgraphs", () => {
  differential(
    "a compiled graph as a node: interrupt inside it, state with subgraphs, namespaced state and history, resume",
    approvalProgram,
  );

  differential("the same on Skein's FileSaver (checkpoints under a non-empty checkpoint_ns)", approvalProgram, {
    skeinSaver: () => new FileSaver(mkdtempSync(join(tmpdir(), "skein-subgraph-"))),
  });

  differential("a graph invoked inside a node function inherits the checkpointer: interrupt and resume", async (o) => {
    const { StateGraph, Annotation, START, interrupt, Command } = o.rt;
    const Items = Annotation.Root({
      items: Annotation({ reducer: (a: string[], b: string[]) => a.concat(b), default: () => [] }),
    });
    const child = new StateGraph(Items)
      .addNode("c1", () => ({ items: ["c1"] }))
      .addNode("c2", () => ({ items: [`c2:${interrupt("ok?")}`] }))
      .addEdge(START, "c1")
      .addEdge("c1", "c2")
      .compile();
    const graph = new StateGraph(logState(o))
      .addNode("p1", () => ({ log: ["p1"] }))
      .addNode("n", async () => ({ log: (await child.invoke({ items: ["x"] })).items }))
      .addEdge(START, "p1")
      .addEdge("p1", "n")
      .compile({ checkpointer: o.rt.newSaver() });
    const config = { configurable: { thread_id: "t" } };
    await o.stream("run", graph, { log: ["in"] }, { ...config, streamMode: "updates", subgraphs: true });
    await o.attempt("state with subgraphs", async () => nestedView(await graph.getState(config, { subgraphs: true })));
    await o.stream("resume", graph, new Command({ resume: "yes" }), {
      ...config,
      streamMode: ["updates"],
      subgraphs: true,
    });
    await o.state("final", graph, config);
  });

  differential(
    "Command.PARENT from a subgraph node: the parent applies the update and goto, plus the node's edges",
    async (o) => {
      const { StateGraph, START, Command } = o.rt;
      const child = new StateGraph(logState(o))
        .addNode("c1", () => new Command({ graph: Command.PARENT, goto: "other", update: { log: ["from-child"] } }))
        .addNode("c2", () => ({ log: ["c2"] }))
        .addEdge(START, "c1")
        .addEdge("c1", "c2")
        .compile();
      const graph = new StateGraph(logState(o))
        .addNode("child", child, { ends: ["other"] })
        .addNode("after", () => ({ log: ["after"] }))
        .addNode("other", () => ({ log: ["other"] }))
        .addEdge(START, "child")
        .addEdge("child", "after")
        .compile({ checkpointer: o.rt.newSaver() });
      const config = { configurable: { thread_id: "t" } };
      await o.stream("run", graph, { log: ["in"] }, { ...config, streamMode: ["updates", "values"], subgraphs: true });
      await o.history("history", graph, config);
    },
  );

  differential("an interrupt two subgraphs deep: nested state, each level's namespace, resume", async (o) => {
    const { StateGraph, START, interrupt, Command } = o.rt;
    const grandchild = new StateGraph(logState(o))
      .addNode("g", () => ({ log: [interrupt("deep")] }))
      .addEdge(START, "g")
      .compile();
    const mid = new StateGraph(logState(o)).addNode("gc", grandchild).addEdge(START, "gc").compile();
    const top = new StateGraph(logState(o))
      .addNode("mid", mid)
      .addEdge(START, "mid")
      .compile({ checkpointer: o.rt.newSaver() });
    const config = { configurable: { thread_id: "t" } };
    await o.invoke("run", top, { log: ["a"] }, config);
    await o.attempt("state with subgraphs", async () => nestedView(await top.getState(config, { subgraphs: true })));
    const midConfig = (await top.getState(config)).tasks[0].state;
    await o.attempt("mid state", async () => nestedView(await top.getState(midConfig)));
    await o.attempt("grandchild state", async () =>
      nestedView(await top.getState((await top.getState(midConfig)).tasks[0].state)),
    );
    await o.invoke("resume", top, new Command({ resume: "R" }), config);
    const names: string[] = [];
    for await (const [name] of top.getSubgraphsAsync(undefined, true)) names.push(name);
    o.record("getSubgraphs(recurse)", names);
  });

  differential(
    "custom chunks from a subgraph reach the caller without subgraphs: true; with it, every chunk carries its namespace",
    async (o) => {
      const { StateGraph, Annotation, START } = o.rt;
      const Items = Annotation.Root({
        items: Annotation({ reducer: (a: string[], b: string[]) => a.concat(b), default: () => [] }),
      });
      const child = new StateGraph(Items)
        .addNode("c", (_s: unknown, config: any) => {
          config.writer?.("hello");
          return { items: ["c"] };
        })
        .addEdge(START, "c")
        .compile();
      const graph = new StateGraph(Items).addNode("sub", child).addEdge(START, "sub").compile();
      await o.stream("flat", graph, { items: [] }, { streamMode: ["custom", "updates", "values"] });
      await o.stream("namespaced", graph, { items: [] }, { streamMode: ["custom", "updates"], subgraphs: true });
      await o.stream("values only", graph, { items: [] }, { streamMode: "values", subgraphs: true });
    },
  );
});
