/**
 * The runtime's persistence behaviour over a FileSaver that is re-opened by a brand-new instance (and a new
 * compile()) between every step, the way a window reload happens.
 */
import { describe, expect, it } from "vitest";
import { ThreadBusyError } from "../../../../src/checkpoint";
import type { FileSaver } from "../../../../src/checkpoint/file";
import {
  Annotation,
  Command,
  END,
  MessagesAnnotation,
  START,
  StateGraph,
  interrupt,
  messageText,
  removeMessage,
  type StoredMessage,
} from "../../../../src/graph";
import { collect, openSaver, tempDir } from "./helpers";

const LogState = Annotation.Root({
  log: Annotation<string[], string | string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Each call is a reload: a new saver instance over the same directory (the previous one closed). */
function reloader(dir: string) {
  let current: FileSaver | undefined;
  return async (): Promise<FileSaver> => {
    await current?.close();
    current = openSaver(dir, { fsync: true, onWarning: (w) => expect.fail(w.message) }).saver;
    return current;
  };
}

function fakeModel(messages: StoredMessage[]): string {
  for (const m of messages) {
    const match = /I'm (\w+)/.exec(messageText(m));
    if (m.role === "user" && match) return `Your name is ${match[1]}.`;
  }
  return "I don't know your name.";
}

const seedGraph = (saver: FileSaver) =>
  new StateGraph(MessagesAnnotation)
    .addNode("call_model", async (state) => ({
      messages: [{ role: "assistant" as const, content: fakeModel(state.messages) }],
    }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });

describe("runtime over a FileSaver reopened between steps", () => {
  it("seed scenario: thread 1 remembers bob across a reload; thread 2 does not", async () => {
    const reload = reloader(tempDir());
    const one = { configurable: { thread_id: "1" } };
    const first = await seedGraph(await reload()).invoke({ messages: [{ role: "user", content: "hi! I'm bob" }] }, one);
    const second = await seedGraph(await reload()).invoke(
      { messages: [{ role: "user", content: "what's my name?" }] },
      one,
    );
    expect(messageText(second.messages.at(-1)!)).toBe("Your name is bob.");
    expect(second.messages.slice(0, 2)).toEqual(first.messages);
    const two = await seedGraph(await reload()).invoke(
      { messages: [{ role: "user", content: "what's my name?" }] },
      { configurable: { thread_id: "2" } },
    );
    expect(messageText(two.messages.at(-1)!)).toBe("I don't know your name.");
    const saver = await reload();
    const state = await seedGraph(saver).getState(one);
    expect(state.values.messages).toEqual(second.messages);
    expect(state.next).toEqual([]);
    expect(state.metadata).toMatchObject({ source: "loop", step: 4 });
    expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["2", "1"]);
  });

  it("interrupt survives a reload; Command({ resume }) in the next instance finishes the run", async () => {
    const reload = reloader(tempDir());
    const runs: string[] = [];
    const graph = async () =>
      new StateGraph(LogState)
        .addNode("ask", () => (runs.push("ask"), { log: "ask" }))
        .addNode("approve", () => {
          runs.push("approve:start");
          const answer = interrupt<{ question: string }, string>({ question: "ok?" });
          return { log: `approved:${answer}` };
        })
        .addNode("act", () => (runs.push("act"), { log: "act" }))
        .addEdge(START, "ask")
        .addEdge("ask", "approve")
        .addEdge("approve", "act")
        .addEdge("act", END)
        .compile({ checkpointer: await reload() });
    const config = { configurable: { thread_id: "t" } };
    const first = await (await graph()).invoke({ log: [] }, config);
    expect(first.__interrupt__).toEqual([{ id: expect.any(String), value: { question: "ok?" } }]);
    const state = await (await graph()).getState(config);
    expect(state.next).toEqual(["approve"]);
    expect(state.tasks[0]!.interrupts).toEqual(first.__interrupt__);
    const done = await (await graph()).invoke(new Command({ resume: "yes" }), config);
    expect(done.log).toEqual(["ask", "approved:yes", "act"]);
    expect(runs).toEqual(["ask", "approve:start", "approve:start", "act"]);
    expect((await (await graph()).getState(config)).next).toEqual([]);
  });

  it("a failed node is resumed after a reload, re-running only the failed task", async () => {
    const reload = reloader(tempDir());
    const control = { failing: true };
    const runs: Record<string, number> = {};
    const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
    const graph = async () =>
      new StateGraph(LogState)
        .addNode("a", () => (count("a"), { log: "a" }))
        .addNode("b", () => (count("b"), { log: "b" }))
        .addNode("c", async () => {
          count("c");
          await new Promise((resolve) => setImmediate(resolve));
          if (control.failing) throw new TypeError("c failed");
          return { log: "c" };
        })
        .addNode("d", () => (count("d"), { log: "d" }))
        .addEdge(START, "a")
        .addEdge("a", "b")
        .addEdge("a", "c")
        .addEdge(["b", "c"], "d")
        .addEdge("d", END)
        .compile({ checkpointer: await reload() });
    const config = { configurable: { thread_id: "t" } };
    await expect((await graph()).invoke({ log: [] }, config)).rejects.toThrow(TypeError);
    const state = await (await graph()).getState(config);
    expect(state.next).toEqual(["c"]);
    expect(state.tasks.find((t) => t.name === "c")!.error).toEqual({ message: "c failed", name: "TypeError" });
    expect(state.values.log).toEqual(["a", "b"]);
    control.failing = false;
    expect((await (await graph()).invoke(null, config)).log).toEqual(["a", "b", "c", "d"]);
    expect(runs).toEqual({ a: 1, b: 1, c: 2, d: 1 });
  });

  it("replay/fork from an older checkpoint after a reload; both branches stay readable", async () => {
    const reload = reloader(tempDir());
    const counter = { calls: 0 };
    const graph = async () =>
      new StateGraph(MessagesAnnotation)
        .addNode("call_model", () => ({
          messages: [{ role: "assistant" as const, content: `reply ${++counter.calls}` }],
        }))
        .addEdge(START, "call_model")
        .addEdge("call_model", END)
        .compile({ checkpointer: await reload() });
    const texts = (messages: StoredMessage[]) => messages.map((m) => m.content);
    const config = { configurable: { thread_id: "t" } };
    await (await graph()).invoke({ messages: ["hi"] }, config);
    await (await graph()).invoke({ messages: ["again"] }, config);
    const snapshots = await collect((await graph()).getStateHistory(config));
    const beforeModel = snapshots.find((s) => s.metadata?.step === 3)!;
    expect(beforeModel.next).toEqual(["call_model"]);
    const replayed = await (await graph()).invoke(null, beforeModel.config);
    expect(texts(replayed.messages)).toEqual(["hi", "reply 1", "again", "reply 3"]);
    const g = await graph();
    expect(texts((await g.getState(config)).values.messages)).toEqual(["hi", "reply 1", "again", "reply 3"]);
    expect(texts((await g.getState(snapshots[0]!.config)).values.messages)).toEqual([
      "hi",
      "reply 1",
      "again",
      "reply 2",
    ]);
    const sources = (await collect(g.getStateHistory(config))).map((s) => s.metadata?.source);
    expect(sources.filter((s) => s === "fork")).toHaveLength(1);
    // updateState with a removal after another reload.
    const head = await (await graph()).getState(config);
    const firstId = (head.values.messages[0] as StoredMessage).id;
    const g2 = await graph();
    await g2.updateState(config, { messages: [removeMessage(firstId)] }, "call_model");
    expect(texts((await (await graph()).getState(config)).values.messages)).toEqual(["reply 1", "again", "reply 3"]);
  });

  it("two windows racing on one thread: the second run is rejected with ThreadBusyError", async () => {
    const dir = tempDir();
    const windowA = openSaver(dir).saver;
    const windowB = openSaver(dir).saver;
    let release!: () => void;
    let started!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const running$ = new Promise<void>((resolve) => (started = resolve));
    const slow = new StateGraph(LogState)
      .addNode("work", async () => (started(), await gate, { log: "a" }))
      .addEdge(START, "work")
      .compile({ checkpointer: windowA });
    const fast = new StateGraph(LogState)
      .addNode("work", () => ({ log: "b" }))
      .addEdge(START, "work")
      .compile({ checkpointer: windowB });
    const config = { configurable: { thread_id: "t" } };
    const running = slow.invoke({ log: [] }, config);
    await running$;
    await expect(fast.invoke({ log: [] }, config)).rejects.toBeInstanceOf(ThreadBusyError);
    release();
    expect((await running).log).toEqual(["a"]);
    expect((await fast.invoke({ log: [] }, config)).log).toEqual(["a", "b"]);
  });
});

describe("packs round-trip exactly", () => {
  it("every checkpoint, value and pending write reads back the same after compaction and a reload", async () => {
    const dir = tempDir();
    const first = openSaver(dir, { compactBytes: 1024 }).saver;
    const graph = seedGraph(first);
    for (let i = 0; i < 12; i++) {
      await graph.invoke(
        { messages: [{ role: "user", content: `hi! I'm bob, turn ${i}` }] },
        { configurable: { thread_id: "t" } },
      );
    }
    const before = await collect(first.list({ configurable: { thread_id: "t" } }));
    await first.close();
    expect(before.length).toBe(36);
    // The pack holds item frames and record frames whose message copies are references to the items.
    const after = await collect(openSaver(dir).saver.list({ configurable: { thread_id: "t" } }));
    expect(after).toEqual(before);
    const writes = before.flatMap((t) => t.pendingWrites ?? []);
    expect(
      writes.some(([, channel, value]) => channel === "messages" && Array.isArray(value) && value.length > 0),
    ).toBe(true);
  });
});
