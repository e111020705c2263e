import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useChildScript } from "../../../fixtures/children";
import { cfg, collect, openSaver, tempDir } from "./helpers";
import type { TurnMessage } from "./workload";

const run = useChildScript(join(__dirname, "child.ts"));

/** Deterministic pseudo-random numbers, so a failing trial can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const replies = (messages: TurnMessage[]) =>
  new Set(messages.map((m) => Number(/^reply (\d+):/.exec(m.content)?.[1] ?? 0)).filter((n) => n > 0));

describe("FileSaver with real processes", () => {
  it("survives SIGKILL at random moments: every acknowledged turn is there and the thread continues", async () => {
    const dir = tempDir();
    const rand = random(20261128);
    const acknowledged = new Set<number>();
    const TRIALS = 24;
    for (let trial = 0; trial < TRIALS; trial++) {
      const proc = run("turns", dir, "crash", "1000", "6000");
      await proc.waitFor((line) => line === "ready");
      const acks = Math.floor(rand() * 4);
      if (acks > 0) await proc.waitFor(() => proc.lines.filter((l) => l.startsWith("ack ")).length >= acks);
      // Land the kill somewhere inside the next turn's writes (or between turns).
      await new Promise((resolve) => setTimeout(resolve, rand() * 4));
      proc.child.kill("SIGKILL");
      await proc.exited;
      for (const line of proc.lines) if (line.startsWith("ack ")) acknowledged.add(Number(line.slice(4)));
      expect(proc.lines.filter((l) => l.startsWith("error"))).toEqual([]);

      // A fresh instance (as after a reload) finds every acknowledged turn, intact.
      const { saver, warnings } = openSaver(dir);
      const head = await saver.getTuple(cfg("crash"));
      const messages = (head?.checkpoint.channel_values.messages as TurnMessage[] | undefined) ?? [];
      const found = replies(messages);
      for (const turn of acknowledged) expect(found.has(turn), `turn ${turn} after trial ${trial}`).toBe(true);
      for (const m of messages) expect(m.content).toMatch(/^(turn|reply) \d+: /);
      // Replies follow their question: a killed turn may leave a question unanswered, never a reply misplaced.
      messages.forEach((m, i) => {
        if (m.role === "assistant")
          expect(messages[i - 1]!.content.startsWith(`turn ${/^reply (\d+):/.exec(m.content)![1]}:`)).toBe(true);
      });
      expect(warnings.filter((w) => !["TORN_TAIL", "TORN_PACK_TAIL"].includes(w.code))).toEqual([]);
      expect((await saver.listThreads()).map((t) => t.threadId)).toEqual(["crash"]);
      await saver.close();
    }
    // The last process continues the thread from where the crashes left it.
    const last = run("turns", dir, "crash", "2");
    expect(await last.exited).toBe(0);
    const { saver, warnings } = openSaver(dir);
    const messages = (await saver.getTuple(cfg("crash")))!.checkpoint.channel_values.messages as TurnMessage[];
    const max = Math.max(...replies(messages));
    expect(replies(messages).has(max - 1)).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(TRIALS / 2);
    expect(warnings).toEqual([]);
    // (A kill cannot tear a single write(), so each trial allows only torn-tail repairs, checked above; torn and
    // garbage tails themselves are covered by recovery.test.ts.)
  }, 120_000);

  it("two processes writing one store at once lose and interleave nothing", async () => {
    const dir = tempDir();
    const a = run("race", dir, "shared", "25");
    const b = run("race", dir, "shared", "25");
    await Promise.all([a.exited, b.exited]);
    expect([...a.lines, ...b.lines].filter((l) => l !== "done")).toEqual([]);
    const { saver, warnings } = openSaver(dir);
    const history = await collect(saver.list(cfg("shared")));
    // Without a run lock the two chains fork (each turn extends the head it read), but every record is there.
    expect(history).toHaveLength(2 * 25 * 3);
    for (const tuple of history) expect(tuple.checkpoint.channel_values.messages ?? []).toBeDefined();
    const own = (await saver.listThreads()).map((t) => t.threadId).sort();
    expect(own).toEqual(["shared", `shared-${a.child.pid}`, `shared-${b.child.pid}`].sort());
    for (const pid of [a.child.pid, b.child.pid]) {
      const messages = (await saver.getTuple(cfg(`shared-${pid}`)))!.checkpoint.channel_values
        .messages as TurnMessage[];
      expect(messages).toHaveLength(50);
    }
    expect(warnings).toEqual([]);
  }, 60_000);

  it("a thread run-locked by another process is busy; a killed holder's lock is broken", async () => {
    const dir = tempDir();
    const holder = run("hold", dir, "x");
    await holder.waitFor((line) => line === "locked");
    const attempt = run("trylock", dir, "x");
    await attempt.exited;
    expect(attempt.lines).toEqual(["busy"]);
    const { saver } = openSaver(dir);
    await expect(saver.lockThread("x")).rejects.toMatchObject({ name: "ThreadBusyError", code: "THREAD_BUSY" });
    const other = run("trylock", dir, "y");
    await other.exited;
    expect(other.lines).toEqual(["ok"]);
    holder.child.kill("SIGKILL");
    await holder.exited;
    const after = run("trylock", dir, "x");
    await after.exited;
    expect(after.lines).toEqual(["ok"]);
    await (await saver.lockThread("x")).release();
  }, 60_000);

  it("a lock kept as a lease after a run keeps other processes out until it ends", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { leaseMs: 60_000 });
    await (await saver.lockThread("x")).release();
    const during = run("trylock", dir, "x");
    await during.exited;
    expect(during.lines).toEqual(["busy"]);
    await saver.close(); // ends the lease (as expiry does; see lease.test.ts)
    const after = run("trylock", dir, "x");
    await after.exited;
    expect(after.lines).toEqual(["ok"]);
  }, 60_000);
});
