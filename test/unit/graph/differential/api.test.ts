import { describe } from "vitest";
import { differential, type Observer } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- graphs of either runtime */

function schemas(o: Observer) {
  const { Annotation } = o.rt;
  return {
    Input: Annotation.Root({ question: Annotation() }),
    Output: Annotation.Root({ answer: Annotation() }),
    Overall: Annotation.Root({
      question: Annotation(),
      answer: Annotation(),
      notes: Annotation({ reducer: (a: string[], b: string[]) => a.concat(b), default: () => [] }),
    }),
  };
}

describe("differential: API a porter reaches for", () => {
  differential(
    "input/output schemas: nodes read the whole state, invoke takes input keys and returns output keys",
    async (o) => {
      const { StateGraph, START } = o.rt;
      const { Input, Output, Overall } = schemas(o);
      const seen: unknown[] = [];
      const graph = new StateGraph({ input: Input, output: Output, stateSchema: Overall })
        .addNode("think", (s: any) => (seen.push(s), { notes: ["n1"], answer: `A:${s.question}` }))
        .addNode("finish", (s: any) => (seen.push(s), { notes: ["n2"] }))
        .addEdge(START, "think")
        .addEdge("think", "finish")
        .compile({ checkpointer: o.rt.newSaver() });
      const config = { configurable: { thread_id: "1" } };
      await o.invoke(
        "invoke (keys outside the input schema are ignored)",
        graph,
        { question: "q", answer: "ignored", notes: ["x"] },
        config,
      );
      o.record("what nodes saw", seen);
      await o.state("state keeps every key", graph, config);
      await o.stream(
        "values and updates stream the whole state",
        graph,
        { question: "q2" },
        { ...config, streamMode: ["values", "updates"] },
      );

      const pair = new StateGraph({ input: Input, output: Output })
        .addNode("a", (s: any) => ({ answer: `x${s.question}` }))
        .addEdge(START, "a")
        .compile();
      await o.invoke("input + output only", pair, { question: "q" });
      const positional = new StateGraph(Overall, { input: Input, output: Output })
        .addNode("a", (s: any) => ({ answer: `x${s.question}` }))
        .addEdge(START, "a")
        .compile();
      await o.invoke("state with { input, output } options", positional, { question: "q" });
    },
  );

  differential("Overwrite replaces a reducer key; Command.update as [key, value] pairs writes in order", async (o) => {
    const { StateGraph, START, Command, Overwrite } = o.rt;
    const { Overall } = schemas(o);
    const graph = new StateGraph(Overall)
      .addNode("a", () => ({ notes: new Overwrite(["only"]) }))
      .addNode(
        "b",
        () =>
          new Command({
            update: [
              ["notes", ["t1"]],
              ["notes", ["t2"]],
              ["answer", "done"],
            ],
          }),
      )
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpointer: o.rt.newSaver() });
    const config = { configurable: { thread_id: "1" } };
    await o.invoke("run", graph, { notes: ["x"] }, config);
    await o.history("history", graph, config);
    const twice = new StateGraph(Overall)
      .addNode("a", () => ({ notes: new Overwrite(["1"]) }))
      .addNode("b", () => ({ notes: new Overwrite(["2"]) }))
      .addEdge(START, "a")
      .addEdge(START, "b")
      .compile();
    await o.invoke("two Overwrites of one key in a step", twice, { notes: [] });
  });

  differential("addSequence, as a list and as an object", async (o) => {
    const { StateGraph, START } = o.rt;
    const { Overall } = schemas(o);
    const list = new StateGraph(Overall)
      .addSequence([
        ["s1", () => ({ notes: ["s1"] })],
        ["s2", () => ({ notes: ["s2"] })],
      ])
      .addEdge(START, "s1")
      .compile();
    await o.invoke("list", list, { notes: [] });
    const record = new StateGraph(Overall)
      .addSequence({ s1: () => ({ notes: ["s1"] }), s2: () => ({ notes: ["s2"] }), s3: () => ({ notes: ["s3"] }) })
      .addEdge(START, "s1")
      .compile();
    await o.invoke("object", record, { notes: [] });
  });

  differential(
    "getGraph().drawMermaid(): edges, path maps, joins, Command ends, breakpoints, subgraph nodes",
    async (o) => {
      const { StateGraph, START, END, Command } = o.rt;
      const { Overall } = schemas(o);
      const draw = async (label: string, graph: any, options?: any) =>
        o.record(label, (await graph.getGraphAsync()).drawMermaid(options));
      await draw(
        "path map",
        new StateGraph(Overall)
          .addNode("a", () => ({}))
          .addNode("b", () => ({}))
          .addNode("c", () => ({}))
          .addEdge(START, "a")
          .addConditionalEdges("a", () => "b", { yes: "b", no: "c", done: END })
          .addEdge("b", END)
          .addEdge("c", END)
          .compile(),
      );
      await draw(
        "router without a path map, and a join",
        new StateGraph(Overall)
          .addNode("a", () => ({}))
          .addNode("b", () => ({}))
          .addNode("c", () => ({}))
          .addNode("d", () => ({}))
          .addEdge(START, "a")
          .addConditionalEdges("a", () => "b")
          .addEdge(["b", "c"], "d")
          .addEdge("d", END)
          .compile(),
      );
      const ends = new StateGraph(Overall)
        .addNode("a", () => new Command({ goto: "b" }), { ends: ["b", "c"] })
        .addNode("b", () => ({}))
        .addNode("c", () => ({}))
        .addEdge(START, "a")
        .compile();
      await draw("Command ends", ends);
      await draw("without styles", ends, { withStyles: false });
      const child = new StateGraph(Overall)
        .addNode("x", () => ({}))
        .addEdge(START, "x")
        .compile();
      await draw(
        "a subgraph node, a dashed name, a breakpoint, an implicit end",
        new StateGraph(Overall)
          .addNode("child", child)
          .addNode("my-node", () => ({}))
          .addNode("review", () => ({}))
          .addEdge(START, "child")
          .addEdge("child", "my-node")
          .addEdge("my-node", "review")
          .compile({ interruptBefore: ["review"], interruptAfter: ["review", "child"] }),
      );
      const graph = (await new StateGraph(Overall)
        .addNode("a", () => ({}))
        .addNode("b", () => ({}))
        .addEdge(START, "a")
        .addConditionalEdges("a", () => "b", ["b", END])
        .compile()
        .getGraphAsync()) as any;
      o.record("nodes and edges", { nodes: Object.values(graph.nodes).map((n: any) => n.id), edges: graph.edges });
    },
  );

  differential("withConfig defaults, batch (one config or one per input, returnExceptions)", async (o) => {
    const { StateGraph, START } = o.rt;
    const { Overall } = schemas(o);
    const graph = new StateGraph(Overall)
      .addSequence([
        ["s1", () => ({ notes: ["s1"] })],
        ["s2", () => ({ notes: ["s2"] })],
      ])
      .addEdge(START, "s1")
      .compile({ checkpointer: o.rt.newSaver() });
    const limited = graph.withConfig({ recursionLimit: 1 });
    await o.invoke("withConfig recursionLimit", limited, { notes: [] }, { configurable: { thread_id: "w" } });
    const threaded = graph.withConfig({ configurable: { thread_id: "default" } });
    await o.invoke("withConfig thread", threaded, { notes: ["x"] });
    await o.state("its state", graph, { configurable: { thread_id: "default" } });
    await o.attempt("batch", () =>
      graph.batch(
        [{ notes: ["a"] }, { notes: ["b"] }],
        [{ configurable: { thread_id: "b1" } }, { configurable: { thread_id: "b2" } }],
      ),
    );
    const failing = new StateGraph(Overall)
      .addNode("f", (s: any) => {
        if (s.notes[0] === "bad") throw new Error("bad input");
        return { notes: ["ok"] };
      })
      .addEdge(START, "f")
      .compile();
    await o.attempt("batch with returnExceptions", async () =>
      (await failing.batch([{ notes: ["good"] }, { notes: ["bad"] }], {}, { returnExceptions: true })).map((r: any) =>
        r instanceof Error ? r.message : r,
      ),
    );
    await o.attempt("batch without", () => failing.batch([{ notes: ["good"] }, { notes: ["bad"] }]));
  });

  differential("bulkUpdateState: one update per superstep builds a thread", async (o) => {
    const { StateGraph, START } = o.rt;
    const { Overall } = schemas(o);
    const graph = new StateGraph(Overall)
      .addNode("a", () => ({ notes: ["a"] }))
      .addNode("b", () => ({ notes: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpointer: o.rt.newSaver() });
    const config = { configurable: { thread_id: "t" } };
    await o.attempt("bulk", () =>
      graph.bulkUpdateState(config, [
        { updates: [{ values: { notes: ["x"] }, asNode: "a" }] },
        { updates: [{ values: { notes: ["y"] }, asNode: "b" }] },
      ]),
    );
    await o.history("history", graph, config);
    await o.invoke("run from it", graph, null, config);
  });
});
