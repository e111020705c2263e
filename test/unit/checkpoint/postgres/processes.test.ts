import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ThreadBusyError } from "../../../../src/checkpoint/errors";
import type { PostgresSaver } from "../../../../src/checkpoint/postgres";
import type { CheckpointTuple } from "../../../../src/checkpoint/types";
import { useChildScript } from "../../../fixtures/children";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason } from "./helpers";

const run = useChildScript(join(__dirname, "child.ts"), { external: ["pg-native"], enabled: () => Boolean(pgUrl) });
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fresh(): Promise<{ schema: string; saver: PostgresSaver }> {
  const schema = freshSchema("proc");
  const saver = openSaver(schema, { holder: "test" });
  await saver.setup();
  cleanups.push(async () => {
    await saver.close();
    await dropSchema(schema);
  });
  return { schema, saver };
}

async function history(saver: PostgresSaver, thread: string): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const tuple of saver.list({ configurable: { thread_id: thread } })) out.push(tuple);
  return out;
}

/** Ids of turns whose question is in the thread's head state. */
async function turnsInHead(saver: PostgresSaver, thread: string): Promise<string[]> {
  const head = await saver.getTuple({ configurable: { thread_id: thread } });
  const messages = (head?.checkpoint.channel_values.messages ?? []) as { content: string }[];
  return messages.map((m) => /^turn (\S+):/.exec(m.content)?.[1]).filter((t): t is string => t !== undefined);
}

/** Every checkpoint has at most one child: the history is one chain. */
function forks(tuples: CheckpointTuple[]): number {
  const children = new Map<string, number>();
  for (const t of tuples) {
    const parent = t.parentConfig?.configurable?.checkpoint_id;
    if (parent) children.set(parent, (children.get(parent) ?? 0) + 1);
  }
  return [...children.values()].filter((n) => n > 1).length;
}

describe.skipIf(!pgUrl)(`PostgresSaver with real processes ${skipReason}`, () => {
  it("a second process writing the thread is rejected naming the holder; nothing is written", async () => {
    const { schema } = await fresh();
    const holder = run("hold", pgUrl, schema, "shared");
    await holder.waitFor((l) => l === "locked");
    const second = run("turns", pgUrl, schema, "shared", "1");
    const line = await second.waitFor((l) => /^(busy|ack|error)/.test(l));
    expect(line).toMatch(new RegExp(`^busy \\S+ child ${holder.child.pid}$`));
    expect(await second.exited).toBe(0);
    holder.child.kill("SIGKILL");
    await holder.exited;
  });

  it("two processes taking turns on one thread at once: every acknowledged turn is kept, nothing forks", async () => {
    const { schema, saver } = await fresh();
    const a = run("turns", pgUrl, schema, "both", "15");
    const b = run("turns", pgUrl, schema, "both", "15");
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const acked = [...a.lines, ...b.lines].filter((l) => l.startsWith("ack ")).map((l) => l.slice(4));
    const busy = [...a.lines, ...b.lines].filter((l) => l.startsWith("busy "));
    expect(acked.length + busy.length).toBe(30);
    expect(acked.length).toBeGreaterThan(0);
    expect((await turnsInHead(saver, "both")).sort()).toEqual([...acked].sort());
    const tuples = await history(saver, "both");
    expect(forks(tuples)).toBe(0);
    expect(tuples).toHaveLength(acked.length * 3);
  });

  it("kill -9 of a writer mid-run: every acknowledged turn is there, and its lock expires so the thread goes on", async () => {
    const { schema, saver } = await fresh();
    const writer = run("turns", pgUrl, schema, "crash", "100000", "1500");
    await writer.waitFor((l) => l === `ack ${writer.child.pid}.8`);
    writer.child.kill("SIGKILL");
    await writer.exited;
    const acked = writer.lines.filter((l) => l.startsWith("ack ")).map((l) => l.slice(4));
    const present = await turnsInHead(saver, "crash");
    for (const turn of acked) expect(present).toContain(turn);
    // Its run lock (if it died inside a turn) lapses with its lease; until then the thread says who holds it.
    let lock;
    for (let attempt = 0; !lock; attempt++) {
      try {
        lock = await saver.lockThread("crash");
      } catch (error) {
        expect(error).toBeInstanceOf(ThreadBusyError);
        expect((error as ThreadBusyError).holder).toBe(`child ${writer.child.pid}`);
        if (attempt > 300) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await lock.release();
    expect(forks(await history(saver, "crash"))).toBe(0);
    const again = run("turns", pgUrl, schema, "crash", "1");
    expect(await again.exited).toBe(0);
    expect(again.lines.some((l) => l.startsWith("ack "))).toBe(true);
  });
});
