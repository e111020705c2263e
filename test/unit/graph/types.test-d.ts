/**
 * Type-level tests: checked by `tsc` in `npm test` (not run by vitest). A wrong inference fails the build.
 */
import { expectTypeOf } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import {
  Annotation,
  Command,
  END,
  MessagesAnnotation,
  START,
  StateGraph,
  removeMessage,
  type Interrupt,
  type MessageChunk,
  type NodeConfig,
  type StateSnapshot,
  type StoredMessage,
} from "../../../src/graph";

const State = Annotation.Root({
  count: Annotation<number>(),
  log: Annotation<string[], string | string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

expectTypeOf<typeof State.State>().toEqualTypeOf<{ count: number; log: string[] }>();
expectTypeOf<typeof State.Update>().toEqualTypeOf<{ count?: number; log?: string | string[] }>();
expectTypeOf<typeof MessagesAnnotation.State.messages>().toEqualTypeOf<StoredMessage[]>();

const graph = new StateGraph(State)
  .addNode("a", (state, config) => {
    expectTypeOf(state).toEqualTypeOf<{ count: number; log: string[] }>();
    expectTypeOf(config).toEqualTypeOf<NodeConfig>();
    expectTypeOf(config.signal).toEqualTypeOf<AbortSignal>();
    expectTypeOf(config.emitMessageChunk).parameter(0).toEqualTypeOf<MessageChunk>();
    return { count: state.count + 1, log: "a" };
  })
  .addNode("b", async () => new Command({ goto: END }))
  .addNode("c", () => undefined)
  .addEdge(START, "a")
  .addConditionalEdges("a", (state) => (state.count > 1 ? "b" : END))
  .compile({ checkpointer: new MemorySaver() });

new StateGraph(State)
  // @ts-expect-error count must be a number
  .addNode("bad", () => ({ count: "one" }));

new StateGraph(State)
  // @ts-expect-error log updates are strings or string lists
  .addNode("bad", () => ({ log: 5 }));

async function usage() {
  const config = { configurable: { thread_id: "1" } };
  const result = await graph.invoke({ count: 0 }, config);
  expectTypeOf(result.count).toEqualTypeOf<number>();
  expectTypeOf(result.__interrupt__).toEqualTypeOf<Interrupt[] | undefined>();
  // @ts-expect-error input keys are typed
  await graph.invoke({ count: "zero" }, config);
  await graph.invoke(null, config);
  await graph.invoke(new Command({ resume: "yes" }), config);

  for await (const values of await graph.stream({ log: "x" }, config))
    expectTypeOf(values).toEqualTypeOf<{ count: number; log: string[] }>();
  for await (const update of await graph.stream({ log: "x" }, { ...config, streamMode: "updates" })) {
    expectTypeOf(update).toEqualTypeOf<
      Record<string, { count?: number; log?: string | string[] } | null | undefined>
    >();
  }
  for await (const [mode, chunk] of await graph.stream({ log: "x" }, { ...config, streamMode: ["values", "custom"] })) {
    if (mode === "values") expectTypeOf(chunk).toEqualTypeOf<{ count: number; log: string[] }>();
    else expectTypeOf(chunk).toEqualTypeOf<unknown>();
  }

  const snapshot = await graph.getState(config);
  expectTypeOf(snapshot).toEqualTypeOf<StateSnapshot<{ count: number; log: string[] }>>();
  expectTypeOf(snapshot.next).toEqualTypeOf<string[]>();

  const chat = new StateGraph(MessagesAnnotation)
    .addNode("call_model", async (state) => {
      expectTypeOf(state.messages).toEqualTypeOf<StoredMessage[]>();
      return { messages: [{ role: "assistant" as const, content: "hi" }] };
    })
    .addEdge(START, "call_model")
    .compile({ checkpointer: new MemorySaver() });
  await chat.invoke({ messages: [{ role: "user", content: "hi! I'm bob" }] }, config);
  await chat.invoke({ messages: "plain string" }, config);
  await chat.updateState(config, { messages: [removeMessage("id")] }, "call_model");
}
void usage;
