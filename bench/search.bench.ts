/**
 * Thread search at scale: 1,000 threads × 50 turns (200-char user + 400-char assistant message each),
 * target ≤ 300 ms per search. Prints the first build (a store never indexed), a search in a fresh window
 * (index file → memory), warm searches, and the catch-up after one thread got a new turn.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySaver } from "../src/checkpoint/memory";
import type { StoredMessage } from "../src/graph/messages";
import { ThreadSearchIndex } from "../src/chat/history/search";

const THREADS = 1_000;
const TURNS = 50;

let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const syllables = ["ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "po", "qe", "zu", "xi", "fa", "ge", "hu", "jo"];
const vocabulary = Array.from({ length: 4_000 }, () => {
  let word = "";
  const length = 2 + Math.floor(random() * 3);
  for (let i = 0; i < length; i++) word += syllables[Math.floor(random() * syllables.length)];
  return word;
});
function prose(chars: number): string {
  let text = "";
  while (text.length < chars)
    text += vocabulary[Math.floor(random() * vocabulary.length)] + (random() < 0.1 ? ".\n" : " ");
  return text.slice(0, chars);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "skein-search-bench-"));
  try {
    const saver = new MemorySaver();
    for (let t = 0; t < THREADS; t++) {
      const messages: StoredMessage[] = [];
      for (let turn = 0; turn < TURNS; turn++) {
        messages.push({ id: `t${t}-u${turn}`, role: "user", content: prose(200) });
        messages.push({ id: `t${t}-a${turn}`, role: "assistant", content: prose(400) });
      }
      await putHead(saver, `thread-${t}`, messages, `c${String(t).padStart(6, "0")}`);
      await saver.setThreadInfo(`thread-${t}`, { title: prose(40) });
    }
    await clockTick();
    const file = join(dir, "search.jsonl");
    // Queries: one word, two words of one real message, a phrase from another, no match, a very common syllable.
    const sample = (await saver.getTuple({ configurable: { thread_id: "thread-3" } }))!.checkpoint.channel_values
      .messages as StoredMessage[];
    const words = (sample[21]!.content as string).split(/\s+/);
    const phrase = (sample[40]!.content as string).split(/\s+/).slice(3, 5).join(" ");
    const queries = [vocabulary[7]!, `${words[2]} ${words[9]}`, `"${phrase}"`, "nomatchwordatall", "ka"];

    let start = performance.now();
    const first = new ThreadSearchIndex(saver, { file });
    await first.search(queries[0]!);
    const buildMs = performance.now() - start;
    const fileBytes = (await stat(file)).size;

    start = performance.now();
    const fresh = new ThreadSearchIndex(saver, { file });
    await fresh.search(queries[0]!);
    const freshMs = performance.now() - start;

    const times: number[] = [];
    const totals: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const query of queries) {
        start = performance.now();
        const result = await fresh.search(query);
        times.push(performance.now() - start);
        if (round === 0) totals.push(result.total);
      }
    }
    times.sort((a, b) => a - b);

    const head = await saver.getTuple({ configurable: { thread_id: "thread-500" } });
    const grown = [
      ...(head!.checkpoint.channel_values.messages as StoredMessage[]),
      { id: "new-u", role: "user" as const, content: "freshly typed needle" },
    ];
    await putHead(saver, "thread-500", grown, "d000001", head!.checkpoint.id);
    start = performance.now();
    const caught = await fresh.search("freshly typed needle");
    const catchUpMs = performance.now() - start;
    if (caught.total !== 1) throw new Error(`catch-up search found ${caught.total} hits, expected 1`);

    const heapMb = process.memoryUsage().heapUsed / 1e6;
    console.log(
      `store: ${THREADS} threads × ${TURNS} turns = ${fresh.size.toLocaleString()} messages; index file ${(fileBytes / 1e6).toFixed(1)} MB; heap ${heapMb.toFixed(0)} MB`,
    );
    console.log(`hits per query (${queries.length} queries): ${totals.join(", ")}`);
    console.log(`first build from the store (once per store): ${buildMs.toFixed(0)} ms`);
    console.log(`fresh window, index file → first search: ${freshMs.toFixed(0)} ms`);
    console.log(
      `warm search: median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
    );
    console.log(`search right after a new turn in one thread (catch-up + search): ${catchUpMs.toFixed(1)} ms`);
    console.log(
      `target: 1,000 threads × 50 turns searched in ≤ 300 ms — warm max ${times[times.length - 1]!.toFixed(1)} ms ${times[times.length - 1]! <= 300 ? "OK" : "MISSED"}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function putHead(
  saver: MemorySaver,
  threadId: string,
  messages: StoredMessage[],
  id: string,
  parent?: string,
): Promise<void> {
  await saver.put(
    { configurable: { thread_id: threadId, checkpoint_ns: "", ...(parent ? { checkpoint_id: parent } : {}) } },
    {
      v: 4,
      id,
      ts: new Date().toISOString(),
      channel_values: { messages },
      channel_versions: { messages: 1 },
      versions_seen: {},
    },
    { source: "loop", step: 1, parents: {} },
    { messages: 1 },
  );
}

async function clockTick(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setImmediate(resolve));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
