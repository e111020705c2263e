import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { copyThreads } from "../../../../src/checkpoint/copy";
import { FileSaver } from "../../../../src/checkpoint/file";
import type { CheckpointTuple } from "../../../../src/checkpoint/types";
import { END, MessagesAnnotation, START, StateGraph } from "../../../../src/graph";
import type { BaseCheckpointSaver } from "../../../../src/checkpoint/base";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason } from "./helpers";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function graphOver(saver: BaseCheckpointSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("call_model", async (s) => ({
      messages: [{ role: "assistant" as const, content: `reply ${s.messages.length}` }],
    }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });
}

async function all(saver: BaseCheckpointSaver, thread: string): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const t of saver.list({ configurable: { thread_id: thread } })) out.push(t);
  return out;
}

describe.skipIf(!pgUrl)(`copy local threads to PostgreSQL ${skipReason}`, () => {
  it("copies every thread with every branch, pending writes and catalog entry; a second copy skips them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skein-copy-"));
    const local = new FileSaver(dir, { fsync: false });
    const schema = freshSchema("copy");
    const remote = openSaver(schema);
    await remote.setup();
    cleanups.push(async () => {
      await local.close();
      await remote.close();
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(schema);
    });
    const graph = graphOver(local);
    const main = { configurable: { thread_id: "main" } };
    for (let i = 1; i <= 3; i++) await graph.invoke({ messages: [{ role: "user", content: `q${i}` }] }, main);
    // A branch: an edit of the second question.
    const history = [];
    for await (const s of graph.getStateHistory(main)) history.push(s);
    const afterOne = history.find((s) => s.values.messages.length === 2 && s.next.length === 0)!;
    await graph.invoke({ messages: [{ role: "user", content: "q2 edited" }] }, afterOne.config);
    await local.setThreadInfo("main", { title: "Main thread", metadata: { messageCount: 6 } });
    await graph.invoke({ messages: [{ role: "user", content: "other" }] }, { configurable: { thread_id: "other" } });
    const head = (await local.getTuple(main))!;
    await local.putWrites(head.config, [["__error__", { message: "boom" }]], "task-x");

    const report = await copyThreads(local, remote);
    expect(report).toEqual({
      threads: 2,
      checkpoints: (await all(local, "main")).length + (await all(local, "other")).length,
      skipped: [],
    });
    const strip = (tuples: CheckpointTuple[]) =>
      tuples.map((t) => ({
        id: t.checkpoint.id,
        values: t.checkpoint.channel_values,
        parent: t.parentConfig?.configurable?.checkpoint_id,
        writes: t.pendingWrites,
        metadata: t.metadata,
      }));
    expect(strip(await all(remote, "main"))).toEqual(strip(await all(local, "main")));
    expect(strip(await all(remote, "other"))).toEqual(strip(await all(local, "other")));
    expect(await remote.getThreadInfo("main")).toMatchObject({ title: "Main thread", metadata: { messageCount: 6 } });
    // The copy continues where the original is.
    const state = await graphOver(remote).getState(main);
    expect(state.values.messages.map((m) => m.content)).toEqual(["q1", "reply 1", "q2 edited", "reply 3"]);

    const again = await copyThreads(local, remote);
    expect([again.threads, again.checkpoints]).toEqual([0, 0]);
    expect(again.skipped.sort()).toEqual(["main", "other"]);
  });
});
