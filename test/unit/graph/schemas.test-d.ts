/**
 * Type-level tests for input/output schemas: what invoke takes and returns, what nodes read.
 */
import { expectTypeOf } from "vitest";
import { Annotation, START, StateGraph } from "../../../src/graph";

const Input = Annotation.Root({ question: Annotation<string>() });
const Output = Annotation.Root({ answer: Annotation<string>() });
const Overall = Annotation.Root({
  question: Annotation<string>(),
  answer: Annotation<string>(),
  notes: Annotation<string[], string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

async function usage() {
  const full = new StateGraph({ input: Input, output: Output, stateSchema: Overall })
    .addNode("think", (state) => {
      expectTypeOf(state).toEqualTypeOf<{ question: string; answer: string; notes: string[] }>();
      return { notes: ["n"], answer: `A:${state.question}` };
    })
    .addEdge(START, "think")
    .compile();
  const result = await full.invoke({ question: "q" });
  expectTypeOf(result.answer).toEqualTypeOf<string>();
  // @ts-expect-error the output schema has no notes
  void result.notes;
  // @ts-expect-error the input schema takes question only
  await full.invoke({ notes: ["x"] });

  const pair = new StateGraph({ input: Input, output: Output })
    .addNode("a", (state) => {
      expectTypeOf(state).toEqualTypeOf<{ question: string; answer: string }>();
      return { answer: state.question };
    })
    .addEdge(START, "a")
    .compile();
  expectTypeOf((await pair.invoke({ question: "q" })).answer).toEqualTypeOf<string>();

  const positional = new StateGraph(Overall, { input: Input, output: Output })
    .addNode("a", () => ({ answer: "x" }))
    .addEdge(START, "a")
    .compile();
  expectTypeOf((await positional.invoke({ question: "q" })).answer).toEqualTypeOf<string>();

  const plain = new StateGraph(Overall)
    .addNode("a", () => ({ notes: ["x"] }))
    .addEdge(START, "a")
    .compile();
  expectTypeOf(await plain.invoke({ notes: [] })).toMatchTypeOf<{
    question: string;
    answer: string;
    notes: string[];
  }>();
}
void usage;

async function runnableApi() {
  const graph = new StateGraph({ input: Input, output: Output, stateSchema: Overall })
    .addNode("a", () => ({ answer: "x" }))
    .addEdge(START, "a")
    .compile();
  const configured = graph.withConfig({ recursionLimit: 5 });
  expectTypeOf((await configured.invoke({ question: "q" })).answer).toEqualTypeOf<string>();
  const results = await graph.batch([{ question: "a" }, { question: "b" }]);
  expectTypeOf(results[0]!).toMatchTypeOf<{ answer: string } | Error>();
  for await (const event of graph.streamEvents({ question: "q" }, { version: "v2" })) {
    expectTypeOf(event.event).toEqualTypeOf<"on_chain_start" | "on_chain_stream" | "on_chain_end">();
  }
  for await (const [ns, chunk] of await graph.stream({ question: "q" }, { streamMode: "updates", subgraphs: true })) {
    expectTypeOf(ns).toEqualTypeOf<string[]>();
    void chunk;
  }
  expectTypeOf(graph.getGraph().drawMermaid()).toEqualTypeOf<string>();
}
void runnableApi;
