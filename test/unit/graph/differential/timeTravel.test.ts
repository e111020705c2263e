import { describe } from "vitest";
import { differential, type Observer } from "./harness";
import { logState, thread } from "./states";

function abc(o: Observer) {
  const { StateGraph, START, END } = o.rt;
  let n = 0;
  return new StateGraph(logState(o))
    .addNode("a", () => ({ log: "a" }))
    .addNode("b", () => ({ log: `b${++n}` }))
    .addNode("c", () => ({ log: "c" }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile({ checkpointer: o.rt.newSaver() });
}

describe("differential: time travel", () => {
  differential("replay from an older checkpoint forks it: history, steps and parents", async (o) => {
    const graph = abc(o);
    await o.invoke("run", graph, { log: [] }, thread());
    const history: { next: string[]; config: { configurable: Record<string, unknown> } }[] = [];
    for await (const s of graph.getStateHistory(thread())) history.push(s);
    const beforeB = history.find((s) => s.next.includes("b"))!;
    await o.invoke("replay", graph, null, beforeB.config);
    await o.history("history", graph, thread());
  });

  differential("fork with updateState at an older checkpoint, then run from the fork", async (o) => {
    const graph = abc(o);
    await o.invoke("run", graph, { log: [] }, thread());
    const history: { next: string[]; config: { configurable: Record<string, unknown> } }[] = [];
    for await (const s of graph.getStateHistory(thread())) history.push(s);
    const beforeC = history.find((s) => s.next.includes("c"))!;
    const fork = await graph.updateState(beforeC.config, { value: "forked" });
    await o.state("fork", graph, fork);
    await o.invoke("run fork", graph, null, fork);
    await o.history("history", graph, thread());
  });

  differential("getStateHistory with limit, before and filter", async (o) => {
    const graph = abc(o);
    await o.invoke("run", graph, { log: [] }, thread());
    await o.history("limit 2", graph, thread(), { limit: 2 });
    const all: { config: unknown }[] = [];
    for await (const s of graph.getStateHistory(thread())) all.push(s);
    await o.history("before the 2nd newest", graph, thread(), { before: all[1]!.config });
    await o.history("filter source=input", graph, thread(), { filter: { source: "input" } });
  });

  differential("updateState asNode __copy__ and as END", async (o) => {
    const graph = abc(o);
    await o.invoke("run", graph, { log: [] }, { ...thread(), interruptBefore: ["c"] });
    await o.attempt("copy", async () => (await graph.updateState(thread(), null, "__copy__")).configurable);
    await o.state("after copy", graph, thread());
    await o.attempt("end", async () => (await graph.updateState(thread(), null, o.rt.END)).configurable);
    await o.state("after END", graph, thread());
  });
});

describe("differential: map-reduce with Send", () => {
  differential("fan out one task per subject, reduce into a list", async (o) => {
    const { StateGraph, START, END, Send, Annotation } = o.rt;
    const State = Annotation.Root({
      subjects: Annotation(),
      jokes: Annotation({ reducer: (a: string[], b: string[]) => a.concat(b), default: () => [] }),
      best: Annotation(),
    });
    const graph = new StateGraph(State)
      .addNode("generate", (s: { subject: string }) => ({ jokes: [`joke about ${s.subject}`] }))
      .addNode("pick", (s: { jokes: string[] }) => ({ best: [...s.jokes].sort()[0] }))
      .addConditionalEdges(START, (s: { subjects: string[] }) =>
        s.subjects.map((subject) => new Send("generate", { subject })),
      )
      .addEdge("generate", "pick")
      .addEdge("pick", END)
      .compile({ checkpointer: o.rt.newSaver() });
    await o.stream(
      "updates",
      graph,
      { subjects: ["owls", "cats", "dogs"] },
      { ...thread(), streamMode: ["updates", "values"] },
    );
    await o.state("state", graph, thread());
    await o.history("history", graph, thread());
  });
});

describe("differential: messages", () => {
  differential("MessagesAnnotation takes { role, content }, strings and [role, content] tuples", async (o) => {
    const { StateGraph, MessagesAnnotation, START, END } = o.rt;
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("model", (s: { messages: unknown[] }) => ({ messages: [["assistant", `seen ${s.messages.length}`]] }))
      .addEdge(START, "model")
      .addEdge("model", END)
      .compile({ checkpointer: o.rt.newSaver() });
    await o.invoke(
      "tuples",
      graph,
      {
        messages: [
          ["user", "hi"],
          ["system", "be brief"],
        ],
      },
      thread(),
    );
    await o.invoke("one tuple", graph, { messages: ["human", "hello"] }, thread());
    await o.invoke("string", graph, { messages: "plain" }, thread());
    await o.invoke("object", graph, { messages: [{ role: "user", content: "obj" }] }, thread());
  });
});
