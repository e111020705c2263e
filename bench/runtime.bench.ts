/**
 * Runtime overhead as a thread grows: the seed graph (START → call_model → END) with a fake model over
 * MemorySaver, 1,000 turns of a 200-char user message and a 400-char assistant message.
 * Prints per-turn `invoke` time around turns 1, 100 and 1,000 (median of the turns around each), the part of
 * it spent outside the saver (the runtime's own overhead), and p50/p95 over all turns.
 * Target: flat — the runtime adds no per-step cost proportional to history beyond the messages reducer.
 */
import { cpus, loadavg } from "node:os";
import {
  MemorySaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointConfig,
  type CheckpointMetadata,
  type PendingWrite,
} from "../src/checkpoint";
import { END, MessagesAnnotation, START, StateGraph } from "../src/graph";

const TURNS = 1_000;
const userText = "u".repeat(200);
const replyText = "a".repeat(400);

/** MemorySaver that adds up the time spent inside it, so the runtime's share can be told apart. */
class TimedSaver extends MemorySaver {
  spent = 0;
  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.spent += performance.now() - started;
    }
  }
  override getTuple(config: CheckpointConfig) {
    return this.timed(() => super.getTuple(config));
  }
  override put(
    config: CheckpointConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    versions: ChannelVersions,
  ) {
    return this.timed(() => super.put(config, checkpoint, metadata, versions));
  }
  override putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string) {
    return this.timed(() => super.putWrites(config, writes, taskId));
  }
}

async function main(): Promise<void> {
  const saver = new TimedSaver();
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("call_model", async () => ({ messages: [{ role: "assistant" as const, content: replyText }] }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });
  const input = () => ({ messages: [{ role: "user" as const, content: userText }] });

  // Warm up the JIT on another thread so turn 1 measures the runtime, not compilation.
  for (let i = 0; i < 50; i++) await graph.invoke(input(), { configurable: { thread_id: "warmup" } });

  const config = { configurable: { thread_id: "bench" } };
  const total: number[] = [];
  const runtimeOnly: number[] = [];
  for (let turn = 1; turn <= TURNS; turn++) {
    saver.spent = 0;
    const started = performance.now();
    const result = await graph.invoke(input(), config);
    const elapsed = performance.now() - started;
    total.push(elapsed);
    runtimeOnly.push(elapsed - saver.spent);
    if (result.messages.length !== turn * 2)
      throw new Error(`turn ${turn}: expected ${turn * 2} messages, got ${result.messages.length}`);
  }

  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)]!;
  const around = (values: number[], turn: number) =>
    median(values.slice(Math.max(0, turn - 3), Math.min(TURNS, turn + 2)));
  const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
  const row = (turn: number, label: string) =>
    console.log(
      `  turn ${label}: ${fmt(around(total, turn))} per invoke, of which runtime ${fmt(around(runtimeOnly, turn))}`,
    );

  console.log(`runtime: seed graph, MemorySaver, ${TURNS} turns (200-char user + 400-char assistant per turn)`);
  row(1, "    1");
  row(100, "  100");
  row(1000, "1,000");
  console.log(
    `  p50 / p95 per invoke, all turns: ${fmt(median(total))} / ${fmt(sorted(total)[Math.floor(TURNS * 0.95)]!)}`,
  );
  console.log(
    `  (median of the turns around each; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; GC pauses included)`,
  );
  console.log("  target: flat from turn 1 to 1,000 (LangGraph + SqliteSaver: p95 143 ms per turn at 1,000 turns)");
  await bundleSize();
}

/** The runtime's minified bundle (src/graph/index.ts, esbuild), next to LangGraph.js's. */
async function bundleSize(): Promise<void> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: ["src/graph/index.ts"],
    bundle: true,
    minify: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
  console.log(
    `  runtime bundle, minified (src/graph/index.ts): ${(bytes / 1000).toFixed(1)} kB (LangGraph.js 1.7.3: 1.40 MB)`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
