import { describe } from "vitest";
import { differential } from "./harness";
import { logState, thread } from "./states";

describe("differential: node options and failures", () => {
  differential("retryPolicy: a node failing twice succeeds on attempt 3", async (o) => {
    const { StateGraph, START } = o.rt;
    let attempts = 0;
    const graph = new StateGraph(logState(o))
      .addNode(
        "flaky",
        () => {
          attempts++;
          if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
          return { log: `ok after ${attempts}` };
        },
        { retryPolicy: { maxAttempts: 3, initialInterval: 1, jitter: false, logWarning: false } },
      )
      .addEdge(START, "flaky")
      .compile({ checkpointer: o.rt.newSaver() });
    await o.invoke("run", graph, { log: [] }, thread());
    o.record("attempts", attempts);
  });

  differential("retryPolicy: retryOn false stops at the first error; maxAttempts bounds the tries", async (o) => {
    const { StateGraph, START } = o.rt;
    const tries: string[] = [];
    const graph = (retryOn?: (e: unknown) => boolean) =>
      new StateGraph(logState(o))
        .addNode(
          "fail",
          () => {
            tries.push("try");
            throw new TypeError("always");
          },
          {
            retryPolicy: {
              maxAttempts: 2,
              initialInterval: 1,
              jitter: false,
              logWarning: false,
              ...(retryOn ? { retryOn } : {}),
            },
          },
        )
        .addEdge(START, "fail")
        .compile();
    await o.invoke("bounded", graph(), { log: [] });
    await o.invoke(
      "not retried",
      graph(() => false),
      { log: [] },
    );
    o.record("tries", tries);
  });

  differential("defer: true runs the node once, after the other branches finished", async (o) => {
    const { StateGraph, START, END } = o.rt;
    const runs: string[] = [];
    const graph = new StateGraph(logState(o))
      .addNode("a", () => (runs.push("a"), { log: "a" }))
      .addNode("b1", () => (runs.push("b1"), { log: "b1" }))
      .addNode("b2", () => (runs.push("b2"), { log: "b2" }))
      .addNode("c", () => (runs.push("c"), { log: "c" }), { defer: true })
      .addEdge(START, "a")
      .addEdge(START, "b1")
      .addEdge("b1", "b2")
      .addEdge("a", "c")
      .addEdge("b2", "c")
      .addEdge("c", END)
      .compile({ checkpointer: o.rt.newSaver() });
    await o.invoke("run", graph, { log: [] }, thread());
    o.record("runs", runs);
    await o.history("history", graph, thread());
  });

  differential(
    "a failing node: the sibling it stopped records an AbortError; resume re-runs only the failed task",
    async (o) => {
      const { StateGraph, START, END } = o.rt;
      let fail = true;
      const graph = new StateGraph(logState(o))
        .addNode("ok", () => ({ log: "ok" }))
        // Fails a macrotask later, so "ok" has finished by then on both runtimes.
        .addNode("boom", async () => {
          await new Promise((resolve) => setImmediate(resolve));
          if (fail) throw new Error("boom");
          return { log: "boom fixed" };
        })
        .addNode(
          "slow",
          (_s: unknown, config: { signal: AbortSignal }) =>
            new Promise((resolve, reject) => {
              if (!fail) resolve({ log: "slow" });
              config.signal.addEventListener(
                "abort",
                () => reject(Object.assign(new Error("This operation was aborted"), { name: "AbortError" })),
                { once: true },
              );
            }),
        )
        .addEdge(START, "ok")
        .addEdge(START, "boom")
        .addEdge(START, "slow")
        .addEdge("ok", END)
        .compile({ checkpointer: o.rt.newSaver() });
      await o.invoke("run", graph, { log: [] }, thread());
      await o.state("failed", graph, thread());
      fail = false;
      await o.invoke("resume", graph, null, thread());
    },
  );

  differential(
    "a router that throws keeps its node's writes with the error; resume does not re-run the node",
    async (o) => {
      const { StateGraph, START, END } = o.rt;
      const runs: string[] = [];
      let fail = true;
      const graph = new StateGraph(logState(o))
        .addNode("a", () => (runs.push("a"), { log: "a" }))
        .addNode("b", () => (runs.push("b"), { log: "b" }))
        .addEdge(START, "a")
        .addConditionalEdges(
          "a",
          () => {
            if (fail) throw new Error("router failed");
            return "b";
          },
          ["b", END],
        )
        .addEdge("b", END)
        .compile({ checkpointer: o.rt.newSaver() });
      await o.invoke("run", graph, { log: [] }, thread());
      await o.state("failed", graph, thread());
      fail = false;
      await o.invoke("resume", graph, null, thread());
      o.record("runs", runs);
    },
  );

  differential("a router returning a key missing from its path map", async (o) => {
    const { StateGraph, START, END } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("a", () => ({ log: "a" }))
      .addEdge(START, "a")
      .addConditionalEdges("a", () => "nope", { yes: END })
      .compile();
    await o.invoke("run", graph, { log: [] });
  });

  differential("two writes to a last-value key in one step", async (o) => {
    const { StateGraph, START } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("x", () => ({ value: "x" }))
      .addNode("y", () => ({ value: "y" }))
      .addEdge(START, "x")
      .addEdge(START, "y")
      .compile();
    await o.invoke("run", graph, { log: [] });
  });

  differential("recursion limit", async (o) => {
    const { StateGraph, START } = o.rt;
    const graph = new StateGraph(logState(o))
      .addNode("loop", () => ({ log: "l" }))
      .addEdge(START, "loop")
      .addConditionalEdges("loop", () => "loop", ["loop"])
      .compile();
    await o.invoke("run", graph, { log: [] }, { recursionLimit: 4 });
  });
});
