/**
 * Runtime overhead as a thread grows: the seed graph (START → call_model → END) with a fake model over
 * MemorySaver, 1,000 turns of a 200-char user message and a 400-char assistant message.
 * Prints per-turn `invoke` time around turns 1, 100 and 1,000 (median of the turns around each) and p95.
 * Target: flat — the runtime adds no per-step cost proportional to history beyond the messages reducer.
 */
import { cpus, loadavg } from "node:os";
import { MemorySaver } from "../src/checkpoint";
import { END, MessagesAnnotation, START, StateGraph } from "../src/graph";

const TURNS = 1_000;
const userText = "u".repeat(200);
const replyText = "a".repeat(400);

const graph = new StateGraph(MessagesAnnotation)
  .addNode("call_model", async () => ({ messages: [{ role: "assistant" as const, content: replyText }] }))
  .addEdge(START, "call_model")
  .addEdge("call_model", END)
  .compile({ checkpointer: new MemorySaver() });

async function main(): Promise<void> {
const config = { configurable: { thread_id: "bench" } };
// Warm up the JIT on another thread so turn 1 measures the runtime, not compilation.
for (let i = 0; i < 50; i++) await graph.invoke({ messages: [{ role: "user", content: userText }] }, { configurable: { thread_id: "warmup" } });

const times: number[] = [];
for (let turn = 1; turn <= TURNS; turn++) {
  const started = performance.now();
  const result = await graph.invoke({ messages: [{ role: "user", content: userText }] }, config);
  times.push(performance.now() - started);
  if (result.messages.length !== turn * 2) throw new Error(`turn ${turn}: expected ${turn * 2} messages, got ${result.messages.length}`);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const around = (turn: number) => median(times.slice(Math.max(0, turn - 3), Math.min(TURNS, turn + 2)));
const p95 = [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.95)]!;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

console.log(`runtime: seed graph, MemorySaver, ${TURNS} turns (200-char user + 400-char assistant per turn)`);
console.log(`  per-turn invoke, turn     1: ${fmt(around(1))}  (median of turns 1-3)`);
console.log(`  per-turn invoke, turn   100: ${fmt(around(100))}  (median of turns 98-102)`);
console.log(`  per-turn invoke, turn 1,000: ${fmt(around(1000))}  (median of turns 998-1000)`);
const p50 = [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.5)]!;
console.log(`  p50 / p95 over all turns:    ${fmt(p50)} / ${fmt(p95)}  (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; GC pauses included)`);
console.log(`  target: flat (turn 1,000 within a small constant of turn 100; LangGraph+SqliteSaver p95 was 143 ms)`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
