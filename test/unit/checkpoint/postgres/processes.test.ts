import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ThreadBusyError } from "../../../../src/checkpoint/errors";
import type { PostgresSaver } from "../../../../src/checkpoint/postgres";
import type { CheckpointTuple } from "../../../../src/checkpoint/types";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason } from "./helpers";

let bundleDir: string;
let childJs: string;
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  if (!pgUrl) return;
  bundleDir = mkdtempSync(join(tmpdir(), "skein-pg-child-"));
  childJs = join(bundleDir, "child.js");
  buildSync({
    entryPoints: [join(__dirname, "child.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: childJs,
    logLevel: "error",
    external: ["pg-native"],
  });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  lines: string[];
  waitFor(test: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
}

function run(...args: string[]): Running {
  const child = spawn(process.execPath, [childJs, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void; reject: (e: Error) => void }[] =
    [];
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const waiter of [...waiters])
        if (waiter.test(line)) waiters.splice(waiters.indexOf(waiter), 1) && waiter.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  void exited.then(() => {
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`child exited; output:\n${lines.join("\n")}`));
  });
  return {
    child,
    lines,
    exited,
    waitFor: (test) => {
      const seen = lines.find(test);
      return seen !== undefined
        ? Promise.resolve(seen)
        : new Promise((resolve, reject) => waiters.push({ test, resolve, reject }));
    },
  };
}

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
