/** The issue's own example, verbatim in shape: it must type-check without casts. */
import { MemorySaver } from "../../../src/checkpoint";
import { Annotation, Command, END, MessagesAnnotation, START, StateGraph, removeMessage } from "../../../src/graph";

const State = Annotation.Root({
  count: Annotation<number>(),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
export const counter = new StateGraph(State)
  .addNode("inc", (state) => ({ count: (state.count ?? 0) + 1, log: ["inc"] }))
  .addEdge(START, "inc")
  .compile();

export async function example(input: typeof MessagesAnnotation.Update) {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("call_model", async (state, config) => ({ messages: [{ role: "assistant", content: "hi" }] }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: "1" } };
  await graph.invoke({ messages: [{ role: "user", content: "hi! I'm bob" }] }, config);
  for await (const chunk of await graph.stream(input, { ...config, streamMode: "values" })) void chunk;
  await graph.getState(config);
  for await (const snap of graph.getStateHistory(config, { limit: 2 })) void snap;
  await graph.updateState(config, { messages: [removeMessage("id")] }, "call_model");
  await graph.invoke(new Command({ resume: "yes" }), config);
  await graph.invoke(null, { configurable: { thread_id: "1", checkpoint_id: "x" } });
}
