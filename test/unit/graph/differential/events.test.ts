import { describe } from "vitest";
import { differential, type Observer } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- graphs and events of either runtime */

function logState(o: Observer) {
  const { Annotation } = o.rt;
  return Annotation.Root({
    log: Annotation({ reducer: (a: string[], b: string[]) => a.concat(b), default: () => [] }),
  });
}

/** An event as a porter reads it; LangSmith's own marker in metadata and a Command's tool-output flag are left out. */
function eventView(event: any) {
  const { ls_integration: _marker, ...metadata } = event.metadata;
  const input = event.data.input;
  const data =
    input?.lg_name === "Command"
      ? { ...event.data, input: { lg_name: input.lg_name, resume: input.resume, goto: input.goto } }
      : event.data;
  return { event: event.event, name: event.name, tags: event.tags, metadata, data, run: event.run_id };
}

/**
 * The events of one run, per run (graph, then each node in order of first event): LangGraph's graph-level
 * stream chunks arrive through a queue and interleave with later node events, so only each run's own
 * sequence is compared.
 */
async function events(o: Observer, label: string, graph: any, input: unknown, options: any) {
  const byRun = new Map<string, unknown[]>();
  try {
    for await (const event of graph.streamEvents(input, options)) {
      const view = eventView(event);
      if (!byRun.has(view.run)) byRun.set(view.run, []);
      byRun.get(view.run)!.push(view);
    }
    o.record(label, [...byRun.values()]);
  } catch (error) {
    o.record(label, [...byRun.values(), { error: (error as Error).name }]);
  }
}

describe("differential: streamEvents v2", () => {
  differential("graph and node events for a run, an interrupt and its resume", async (o) => {
    const { StateGraph, START, Command, interrupt } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => ({ log: [interrupt("q")] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpointer: o.rt.newSaver() });
    const config = { configurable: { thread_id: "1" } };
    await events(o, "run to the interrupt", graph, { log: ["in"] }, { ...config, version: "v2" });
    await events(o, "resume", graph, new Command({ resume: "R" }), { ...config, version: "v2" });
  });

  differential("runName and tags; a failing node ends the stream with its error", async (o) => {
    const { StateGraph, START } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("a", () => {
        throw new TypeError("boom");
      })
      .addEdge(START, "a")
      .compile();
    await events(
      o,
      "failing run",
      graph,
      { log: [] },
      { version: "v2", runName: "mine", tags: ["t1"], metadata: { user: "u" } },
    );
  });
});
