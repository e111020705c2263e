/**
 * The durable store's figures, FileSaver beside MemorySaver, each line with its target.
 * Workload: the seed graph (START → call_model → END) on the real runtime with a fake model; per turn a
 * 200-char user message and a 400-char assistant reply of English-like text.
 *   npm run bench store
 * The fresh-process figure spawns this file again with `--reopen <dir>` and measures inside the child.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { v6 as uuid6 } from "uuid";
import { FileSaver, MemorySaver, type BaseCheckpointSaver } from "../src/checkpoint";
import { END, MessagesAnnotation, START, StateGraph } from "../src/graph";
import { makeText } from "../test/unit/checkpoint/file/workload";

const TURNS = 1_000;
const THREAD = { configurable: { thread_id: "long" } };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function graphOver(saver: BaseCheckpointSaver) {
  let turn = 0;
  return new StateGraph(MessagesAnnotation)
    .addNode("call_model", async () => ({
      messages: [{ role: "assistant" as const, content: makeText(400, 2 * ++turn) }],
    }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    total += st.isDirectory() ? bytesUnder(join(dir, name)) : st.size;
  }
  return total;
}

const heap = () => (gc(), process.memoryUsage().heapUsed);
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const sortedAt = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)]!;
const median = (values: number[]) => sortedAt(values, 0.5);

interface TurnRun {
  times: number[];
  sizes: Map<number, number>;
  text: number;
}

/**
 * Runs `turns` turns; `size` is measured after 100, 300 and 1,000. `paced`: the event loop turns once between
 * turns (outside the timed part), as it does between real chat turns (the user types, the model streams). The
 * fake model answers without any I/O, so back-to-back turns are one unbroken chain of microtasks: V8 then cannot
 * run its scheduled young-generation GC between turns and every GC lands inside a timed turn, and work a store
 * defers to an idle moment has none.
 */
async function runTurns(
  saver: BaseCheckpointSaver,
  turns: number,
  size: () => number,
  paced = false,
): Promise<TurnRun> {
  const graph = graphOver(saver);
  // Warm the JIT on another thread so turn 1 measures the store, not compilation.
  for (let i = 0; i < 30; i++)
    await graph.invoke(
      { messages: [{ role: "user", content: makeText(200, i) }] },
      { configurable: { thread_id: "warm" } },
    );
  await saver.deleteThread("warm");
  const times: number[] = [];
  const sizes = new Map<number, number>();
  let text = 0;
  const base = size();
  for (let turn = 1; turn <= turns; turn++) {
    const content = makeText(200, 2 * turn + 1);
    const started = performance.now();
    const result = await graph.invoke({ messages: [{ role: "user", content }] }, THREAD);
    times.push(performance.now() - started);
    if (paced) await new Promise((resolve) => setImmediate(resolve));
    text += 200 + (result.messages.at(-1)!.content as string).length;
    if (turn === 100 || turn === 300 || turn === 1_000) sizes.set(turn, size() - base);
  }
  return { times, sizes, text };
}

function row(figure: string, file: string, memory: string, target: string): void {
  console.log(`  ${figure.padEnd(44)} ${file.padEnd(22)} ${memory.padEnd(22)} ${target}`);
}

async function reopenChild(dir: string): Promise<void> {
  const started = performance.now();
  const saver = new FileSaver(dir);
  const graph = graphOver(saver);
  const state = await graph.getState(THREAD);
  const openMs = performance.now() - started;
  if (state.values.messages.length !== 2 * TURNS)
    throw new Error(`expected ${2 * TURNS} messages, got ${state.values.messages.length}`);
  console.log(JSON.stringify({ openMs, uptimeMs: process.uptime() * 1000 }));
}

async function history(saver: BaseCheckpointSaver): Promise<{ count: number; ms: number; peak: number }> {
  const graph = graphOver(saver);
  const before = heap();
  let peak = 0;
  let count = 0;
  const started = performance.now();
  for await (const snapshot of graph.getStateHistory(THREAD)) {
    if (snapshot.values.messages === undefined) throw new Error("no values");
    if (++count % 250 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  }
  return { count, ms: performance.now() - started, peak };
}

async function manyThreads(saver: BaseCheckpointSaver, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await saver.put(
      { configurable: { thread_id: `thread-${i}`, checkpoint_ns: "" } },
      {
        v: 4,
        id: uuid6(),
        ts: new Date().toISOString(),
        channel_values: { messages: [{ id: `m${i}`, role: "user", content: "hello" }] },
        channel_versions: { messages: 1 },
        versions_seen: {},
      },
      { source: "input", step: -1, parents: {} },
      { messages: 1 },
    );
  }
}

async function timeList(saver: BaseCheckpointSaver, expected: number): Promise<number> {
  const started = performance.now();
  const threads = await saver.listThreads();
  const took = performance.now() - started;
  if (threads.length < expected) throw new Error(`listThreads returned ${threads.length}`);
  return took;
}

async function main(): Promise<void> {
  if (process.argv[2] === "--reopen") return reopenChild(process.argv[3]!);
  const root = mkdtempSync(join(tmpdir(), "skein-store-bench-"));
  try {
    const dir = join(root, "store");
    const file = new FileSaver(dir, { fsync: false });
    const fileRun = await runTurns(file, TURNS, () => bytesUnder(dir));
    const memory = new MemorySaver();
    const memoryRun = await runTurns(memory, TURNS, heap);

    const pacedFile = new FileSaver(join(root, "paced"), { fsync: false });
    const pacedFileRun = await runTurns(pacedFile, TURNS, () => 0, true);
    await pacedFile.close();
    const pacedMemoryRun = await runTurns(new MemorySaver(), TURNS, () => 0, true);

    const syncDir = join(root, "sync");
    const synced = new FileSaver(syncDir);
    const syncRun = await runTurns(synced, 200, () => 0);
    await synced.close();

    console.log(
      `store: seed graph + fake model, ${TURNS} turns of 200 + 400 chars (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`,
    );
    row("figure", "FileSaver", "MemorySaver", "target");
    const text = fileRun.text;
    for (const turns of [100, 300, 1_000]) {
      const rawText = (text * turns) / TURNS;
      const bytes = fileRun.sizes.get(turns)!;
      row(
        `bytes after ${turns} turns`,
        `${mb(bytes)} (${(bytes / rawText).toFixed(2)}× text)`,
        `${mb(memoryRun.sizes.get(turns)!)} heap`,
        `≤ 1.3 × text (${mb(1.3 * rawText)}), linear in turns`,
      );
    }
    const growth = (fileRun.sizes.get(1_000)! - fileRun.sizes.get(300)!) / 700 / (fileRun.sizes.get(100)! / 100);
    row("bytes per turn, turns 301-1,000 vs 1-100", `${growth.toFixed(2)}×`, "", "≈ 1 (linear)");
    const early = (run: TurnRun) => median(run.times.slice(0, 5));
    const late = (run: TurnRun) => median(run.times.slice(-5));
    row("per-turn invoke, turn 1 (median 1-5)", ms(early(fileRun)), ms(early(memoryRun)), "");
    row(
      "per-turn invoke, turn 1,000 (median 996-1,000)",
      `${ms(late(fileRun))} (${(late(fileRun) / early(fileRun)).toFixed(2)}×)`,
      `${ms(late(memoryRun))} (${(late(memoryRun) / early(memoryRun)).toFixed(2)}×)`,
      "within 2× of turn 1",
    );
    row(
      "per-turn invoke p95, no fsync (back-to-back)",
      ms(sortedAt(fileRun.times, 0.95)),
      ms(sortedAt(memoryRun.times, 0.95)),
      "≤ 2 ms",
    );
    row(
      "  same, event loop turns between turns",
      ms(sortedAt(pacedFileRun.times, 0.95)),
      ms(sortedAt(pacedMemoryRun.times, 0.95)),
      "≤ 2 ms (as between real chat turns)",
    );
    row(
      "  p50 back-to-back / paced",
      `${ms(median(fileRun.times))} / ${ms(median(pacedFileRun.times))}`,
      `${ms(median(memoryRun.times))} / ${ms(median(pacedMemoryRun.times))}`,
      "(context)",
    );
    row(
      "per-turn invoke p50 / p95 with fsync (200 turns)",
      `${ms(median(syncRun.times))} / ${ms(sortedAt(syncRun.times, 0.95))}`,
      "—",
      "reported separately (the disk's fsync cost)",
    );
    await file.close();

    const opens: { openMs: number; uptimeMs: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const child = spawnSync(process.execPath, ["--import", "tsx", __filename, "--reopen", dir], { encoding: "utf8" });
      if (child.status !== 0) throw new Error(child.stderr);
      opens.push(JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { openMs: number; uptimeMs: number });
    }
    const openMs = median(opens.map((o) => o.openMs));
    row(
      "fresh process: open + getState (1,000 turns)",
      `${ms(openMs)} (median of 3)`,
      "— (nothing persists)",
      "≤ 15 ms",
    );
    row("  same, whole child process incl. start+imports", ms(median(opens.map((o) => o.uptimeMs))), "", "(context)");

    const fileHistory = await history(new FileSaver(dir, { fsync: false }));
    const memoryHistory = await history(memory);
    row(
      `getStateHistory, ${fileHistory.count} checkpoints`,
      `${ms(fileHistory.ms)}, peak +${mb(fileHistory.peak)}`,
      `${ms(memoryHistory.ms)}, peak +${mb(memoryHistory.peak)}`,
      "≤ 500 ms, bounded memory (fresh FileSaver instance)",
    );

    const before = bytesUnder(dir);
    const deleter = new FileSaver(dir, { fsync: false });
    const threadBytes = deleter.threadBytes("long");
    const heapBefore = heap();
    await deleter.deleteThread("long");
    await memory.deleteThread("long");
    row(
      "deleteThread frees its bytes",
      `${mb(before - bytesUnder(dir))} of ${mb(threadBytes)}`,
      `${mb(Math.max(0, heapBefore - heap()))} heap`,
      "all of the thread's bytes",
    );
    await deleter.close();

    const manyDir = join(root, "many");
    const manyFile = new FileSaver(manyDir, { fsync: false });
    const manyMemory = new MemorySaver();
    await manyThreads(manyFile, 10_000);
    await manyThreads(manyMemory, 10_000);
    await manyFile.close();
    const cold = await timeList(new FileSaver(manyDir, { fsync: false }), 10_000);
    const warmSaver = new FileSaver(manyDir, { fsync: false });
    await timeList(warmSaver, 10_000);
    const warm = median(await Promise.all([0, 1, 2, 3, 4].map(() => timeList(warmSaver, 10_000))));
    const memoryList = median(await Promise.all([0, 1, 2, 3, 4].map(() => timeList(manyMemory, 10_000))));
    row("listThreads, 10,000 threads (warm)", ms(warm), ms(memoryList), "≤ 50 ms");
    row("listThreads, 10,000 threads (fresh instance)", ms(cold), "—", "≤ 50 ms (includes loading the catalog)");
    row("catalog file size at 10,000 threads", mb(statSync(join(manyDir, "catalog.log")).size), "—", "(context)");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
