import { describe } from "vitest";
import { differential, type Observer } from "./harness";
import { logState, thread } from "./states";

/** START → fast ‖ ask (interrupts) → after. */
function fastAndAsk(o: Observer) {
  const { StateGraph, START, END, interrupt } = o.rt;
  return new StateGraph(logState(o))
    .addNode("fast", () => ({ log: "fast" }))
    .addNode("ask", () => ({ log: `ask:${interrupt("ok?")}` }))
    .addNode("after", () => ({ log: "after" }))
    .addEdge(START, "fast")
    .addEdge(START, "ask")
    .addEdge(["fast", "ask"], "after")
    .addEdge("after", END)
    .compile({ checkpointer: o.rt.newSaver() });
}

/** A parallel tool-call step: two tool tasks, each waiting for its own approval. */
function twoApprovals(o: Observer, runs: string[]) {
  const { StateGraph, START, END, interrupt, Send } = o.rt;
  const approve = (s: { value: string }) => {
    runs.push(`start:${s.value}`);
    const answer = interrupt({ tool: s.value });
    runs.push(`${s.value}=${JSON.stringify(answer)}`);
    return { log: `${s.value}:${JSON.stringify(answer)}` };
  };
  return new StateGraph(logState(o))
    .addNode("model", () => ({ log: "model" }))
    .addNode("tool", approve)
    .addNode("done", () => ({ log: "done" }))
    .addEdge(START, "model")
    .addConditionalEdges("model", () => [new Send("tool", { value: "search" }), new Send("tool", { value: "write" })])
    .addEdge("tool", "done")
    .addEdge("done", END)
    .compile({ checkpointer: o.rt.newSaver() });
}

describe("differential: interrupts and human-in-the-loop", () => {
  differential("approve / edit / resume: interrupt, getState, Command({ resume })", async (o) => {
    const { StateGraph, START, END, interrupt, Command } = o.rt;
    const runs: string[] = [];
    const graph = new StateGraph(logState(o))
      .addNode("ask", () => (runs.push("ask"), { log: "ask" }))
      .addNode("approve", () => {
        runs.push("approve:start");
        const answer = interrupt({ question: "ok?" });
        runs.push(`approve:${answer}`);
        return { log: `approved:${answer}` };
      })
      .addNode("act", () => (runs.push("act"), { log: "act" }))
      .addEdge(START, "ask")
      .addEdge("ask", "approve")
      .addEdge("approve", "act")
      .addEdge("act", END)
      .compile({ checkpointer: o.rt.newSaver() });
    await o.invoke("first", graph, { log: [] }, thread());
    await o.state("waiting", graph, thread());
    await o.invoke("resume", graph, new Command({ resume: "yes" }), thread());
    await o.state("done", graph, thread());
    o.record("runs", runs);
    await o.history("history", graph, thread());
  });

  differential("an interrupt's invoke result includes writes of siblings that finished", async (o) => {
    const graph = fastAndAsk(o);
    await o.invoke("first", graph, { log: [] }, thread());
    await o.state("state", graph, thread());
  });

  differential("updateState at an interrupt applies the finished sibling's writes first", async (o) => {
    const graph = fastAndAsk(o);
    await o.invoke("first", graph, { log: [] }, thread());
    await o.attempt("update", async () => (await graph.updateState(thread(), { log: ["human"] }, "ask")).configurable);
    await o.state("after update", graph, thread());
    await o.invoke("resume", graph, null, thread());
    await o.history("history", graph, thread());
  });

  differential("parallel tool approvals: one resume value resumes both pending interrupts", async (o) => {
    const runs: string[] = [];
    const graph = twoApprovals(o, runs);
    await o.invoke("first", graph, { log: [] }, thread());
    await o.state("waiting", graph, thread());
    await o.invoke("resume", graph, new o.rt.Command({ resume: "same" }), thread());
    await o.state("done", graph, thread());
    o.record("runs", runs);
  });

  differential("parallel tool approvals: a map of interrupt id → value resumes each with its own", async (o) => {
    const runs: string[] = [];
    const graph = twoApprovals(o, runs);
    const first = await o.invoke("first", graph, { log: [] }, thread());
    const [a, b] = first.__interrupt__ as { id: string; value: { tool: string } }[];
    const answers = { [a!.id]: `yes-${a!.value.tool}`, [b!.id]: `no-${b!.value.tool}` };
    await o.invoke("resume", graph, new o.rt.Command({ resume: answers }), thread());
    await o.state("done", graph, thread());
    o.record("runs", runs);
  });

  differential(
    "parallel tool approvals: a map naming only one interrupt resumes that one, the other waits",
    async (o) => {
      const runs: string[] = [];
      const graph = twoApprovals(o, runs);
      const first = await o.invoke("first", graph, { log: [] }, thread());
      const [a] = first.__interrupt__ as { id: string; value: { tool: string } }[];
      await o.invoke("resume one", graph, new o.rt.Command({ resume: { [a!.id]: "yes" } }), thread());
      await o.state("one waiting", graph, thread());
      const pending = (await graph.getState(thread())).tasks.flatMap(
        (t: { interrupts: { id: string }[] }) => t.interrupts,
      );
      await o.invoke("resume other", graph, new o.rt.Command({ resume: { [pending[0].id]: "later" } }), thread());
      await o.state("done", graph, thread());
      o.record("runs", runs);
    },
  );

  differential("two interrupts in one node: the n-th call gets the n-th resume value", async (o) => {
    const { StateGraph, START, interrupt, Command } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("form", () => ({ log: `${interrupt("name?")}/${interrupt("age?")}` }))
      .addEdge(START, "form")
      .compile({ checkpointer: o.rt.newSaver() });
    await o.invoke("first", graph, { log: [] }, thread());
    await o.invoke("name", graph, new Command({ resume: "bob" }), thread());
    await o.invoke("age", graph, new Command({ resume: "42" }), thread());
  });

  differential("Command({ resume, update }) and Command({ goto }) as input", async (o) => {
    const { StateGraph, START, END, interrupt, Command } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("ask", () => ({ log: `ask:${interrupt("?")}` }), { ends: ["other"] })
      .addNode("other", () => ({ log: "other" }))
      .addEdge(START, "ask")
      .addEdge("ask", END)
      .addEdge("other", END)
      .compile({ checkpointer: o.rt.newSaver() });
    await o.invoke("first", graph, { log: [] }, thread());
    await o.invoke("resume+update", graph, new Command({ resume: "y", update: { value: "v" } }), thread());
    await o.history("history", graph, thread());
    await o.invoke("goto", graph, new Command({ goto: "other", update: { log: "cmd" } }), thread());
    await o.history("history after goto", graph, thread());
  });

  differential("a node no edge leads to is rejected at compile()", async (o) => {
    const { StateGraph, START } = o.rt;
    await o.attempt(
      "compile",
      () =>
        new StateGraph(logState(o))
          .addNode("a", () => ({}))
          .addNode("island", () => ({}))
          .addEdge(START, "a")
          .compile() && "compiled",
    );
  });

  differential("interrupt() without a checkpointer fails with LangGraph's error class", async (o) => {
    const { StateGraph, START, interrupt } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("a", () => ({ log: interrupt("x") }))
      .addEdge(START, "a")
      .compile();
    await o.invoke("run", graph, { log: [] });
  });
});
