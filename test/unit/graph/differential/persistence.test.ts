import { describe } from "vitest";
import { differential, type Observer } from "./harness";

function logState(o: Observer) {
  const { Annotation } = o.rt;
  return Annotation.Root({
    log: Annotation({ reducer: (a: string[], b: string | string[]) => a.concat(b), default: () => [] }),
    value: Annotation(),
  });
}

describe("differential: persistence", () => {
  differential("two turns of a one-node chat graph: values, state and history", async (o) => {
    const { StateGraph, MessagesAnnotation, START, END } = o.rt;
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("model", (s: { messages: unknown[] }) => ({
        messages: [{ role: "assistant", content: `seen ${s.messages.length}` }],
      }))
      .addEdge(START, "model")
      .addEdge("model", END)
      .compile({ checkpointer: o.rt.newSaver() });
    const config = { configurable: { thread_id: "1" } };
    await o.invoke("turn 1", graph, { messages: [{ role: "user", content: "hi! I'm bob" }] }, config);
    await o.invoke("turn 2", graph, { messages: [{ role: "user", content: "what's my name?" }] }, config);
    await o.state("state", graph, config);
    await o.history("history", graph, config);
  });

  differential("a log graph with a last-value key", async (o) => {
    const { StateGraph, START, END } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("a", () => ({ log: "a", value: "x" }))
      .addNode("b", () => ({ log: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile({ checkpointer: o.rt.newSaver() });
    const config = { configurable: { thread_id: "1" } };
    await o.invoke("run", graph, { log: [] }, config);
    await o.history("history", graph, config);
  });
});
