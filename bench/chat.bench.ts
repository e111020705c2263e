/**
 * Chat-layer figures: (1) what Skein adds before each model call — context selection + history repair —
 * as the stored thread grows (target: < 5 ms at 10,000 messages, i.e. never the bottleneck); (2) one
 * full chat turn through the graph, MemorySaver and the real SDK against the local mock, at turn 1, 100
 * and 500 with `maxMessages: 20` so the request size is constant (target: flat, < 25 ms p50 at turn 500).
 */
import { performance } from "node:perf_hooks";
import { selectContext, defaultMaxInputTokens } from "../src/chat/contextWindow";
import { repairHistory } from "../src/chat/repair";
import { createChatGraph } from "../src/chat/chatGraph";
import { MemorySaver } from "../src/checkpoint";
import { AnthropicChatModel } from "../src/model/anthropic";
import { startMockAnthropic } from "../test/fixtures/mock-anthropic/server";
import type { Message } from "../src/graph/messages";

function history(n: number): Message[] {
  const out: Message[] = [];
  for (let i = 0; out.length < n; i++) {
    out.push({ role: "user", content: "u".repeat(200) });
    if (i % 10 === 5) {
      out.push({ role: "assistant", content: "", tool_calls: [{ id: `t${i}`, name: "add", args: { a: 1, b: 2 } }] });
      out.push({ role: "tool", tool_call_id: `t${i}`, content: "3" });
    }
    out.push({ role: "assistant", content: "a".repeat(400) });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  console.log("context selection + repair per model call (default window budget):");
  const budget = defaultMaxInputTokens({ contextWindow: 200_000, maxTokens: 8192 });
  for (const n of [10, 1_000, 10_000]) {
    const h = history(n);
    const times: number[] = [];
    for (let r = 0; r < 30; r++) {
      const t0 = performance.now();
      repairHistory(selectContext(h, { maxInputTokens: budget }).messages);
      times.push(performance.now() - t0);
    }
    console.log(`  ${String(n).padStart(6)} messages: ${median(times).toFixed(3)} ms (median of 30)`);
  }
  console.log("  target: < 5 ms at 10,000 messages");

  const mock = await startMockAnthropic({ responder: () => ({ text: "a".repeat(400) }) });
  try {
    const model = new AnthropicChatModel({
      apiKey: "bench",
      baseURL: mock.url,
      model: "claude-sonnet-5-5",
      maxRetries: 0,
    });
    const graph = createChatGraph({ model, checkpointer: new MemorySaver(), context: { maxMessages: 20 } });
    const config = { configurable: { thread_id: "bench" } };
    const marks = new Map<number, number[]>([
      [1, []],
      [100, []],
      [500, []],
    ]);
    for (let turn = 1; turn <= 505; turn++) {
      const t0 = performance.now();
      await graph.invoke({ messages: [{ role: "user", content: "u".repeat(200) }] }, config);
      const ms = performance.now() - t0;
      for (const [at, list] of marks) if (turn >= at && turn < at + 5) list.push(ms);
    }
    console.log("full chat turn (graph + MemorySaver + SDK → local mock, maxMessages 20):");
    for (const [at, list] of marks)
      console.log(`  turn ${String(at).padStart(3)}: ${median(list).toFixed(1)} ms (median of 5)`);
    console.log("  target: flat; < 25 ms at turn 500");
  } finally {
    await mock.close();
  }
}

void main();
