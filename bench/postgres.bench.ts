/**
 * The PostgreSQL store's figures, each with its target, on a throwaway local server (loopback, fsync on):
 * Skein's PostgresSaver beside LangGraph's (`@langchain/langgraph-checkpoint-postgres`, a devDependency used
 * only here) on the same server. Workload: the seed chat graph (START → call_model → END), a fake model, per
 * turn a 200-char question and a 400-char reply of English-like text.
 *   npm run bench postgres            (LangGraph's saver for 300 turns; add --full for 1,000)
 * Needs PostgreSQL's server binaries (see test/fixtures/postgres/cluster.ts).
 */
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import pg from "pg";
import { PostgresSaver } from "../src/checkpoint/postgres";
import { END, MessagesAnnotation, START, StateGraph } from "../src/graph";
import { startCluster } from "../test/fixtures/postgres/cluster";
import { makeText } from "../test/unit/checkpoint/file/workload";

const TURNS = 1_000;
const full = process.argv.includes("--full");
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const sortedAt = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)]!;

function row(figure: string, skein: string, langgraph: string, target: string): void {
  console.log(`  ${figure.padEnd(40)} ${skein.padEnd(26)} ${langgraph.padEnd(26)} ${target}`);
}

/** Bytes of every table of a schema, with indexes and TOAST (what the server keeps on disk for it). */
async function schemaBytes(client: pg.Client, schema: string): Promise<number> {
  const result = await client.query(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
    [schema],
  );
  return Number(result.rows[0].n);
}

interface TurnRun {
  times: number[];
  sizes: Map<number, number>;
  text: Map<number, number>;
}

type Invoke = (content: string) => Promise<string>;

async function runTurns(invoke: Invoke, turns: number, size: () => Promise<number>): Promise<TurnRun> {
  const times: number[] = [];
  const sizes = new Map<number, number>();
  const text = new Map<number, number>();
  let chars = 0;
  for (let turn = 1; turn <= turns; turn++) {
    const content = makeText(200, 2 * turn + 1);
    const started = performance.now();
    const reply = await invoke(content);
    times.push(performance.now() - started);
    chars += content.length + reply.length;
    if (turn === 300 || turn === 1_000) {
      sizes.set(turn, await size());
      text.set(turn, chars);
    }
  }
  return { times, sizes, text };
}

function skeinGraph(saver: PostgresSaver) {
  let turn = 0;
  return new StateGraph(MessagesAnnotation)
    .addNode("call_model", async () => ({
      messages: [{ role: "assistant" as const, content: makeText(400, 2 * ++turn) }],
    }))
    .addEdge(START, "call_model")
    .addEdge("call_model", END)
    .compile({ checkpointer: saver });
}

async function langgraphTurns(url: string, turns: number, size: () => Promise<number>): Promise<TurnRun> {
  const lg = await import("@langchain/langgraph");
  const { PostgresSaver: LangGraphPostgresSaver } = await import("@langchain/langgraph-checkpoint-postgres");
  const saver = LangGraphPostgresSaver.fromConnString(url, { schema: "langgraph" });
  await saver.setup();
  let turn = 0;
  const graph = new lg.StateGraph(lg.MessagesAnnotation)
    .addNode("call_model", async () => ({ messages: [{ role: "assistant", content: makeText(400, 2 * ++turn) }] }))
    .addEdge(lg.START, "call_model")
    .addEdge("call_model", lg.END)
    .compile({ checkpointer: saver });
  const config = { configurable: { thread_id: "long" } };
  try {
    return await runTurns(
      async (content) => {
        const result = await graph.invoke({ messages: [{ role: "user", content }] }, config);
        return String(result.messages.at(-1)!.content);
      },
      turns,
      size,
    );
  } finally {
    await saver.end();
  }
}

/** A child process that listens and prints when each notification arrives (its clock = this one's). */
function notificationChild(
  url: string,
  schema: string,
): { ready: Promise<void>; arrivals: Map<string, number>; stop: () => void } {
  const code = `
    const { PostgresSaver } = require(${JSON.stringify(require.resolve("../src/checkpoint/postgres"))});
    const saver = PostgresSaver.fromConnString(process.argv[1], { schema: process.argv[2] });
    const listener = saver.watch((c) => { if (c.kind === "checkpoint") console.log(c.checkpointId + " " + (performance.timeOrigin + performance.now())); });
    listener.started.then(() => console.log("ready"));`;
  const child = spawn(process.execPath, ["--import", "tsx", "-e", code, url, schema], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const arrivals = new Map<string, number>();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === "ready") markReady();
      else {
        const [id, at] = line.split(" ");
        arrivals.set(id!, Number(at));
      }
    }
  });
  return { ready, arrivals, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const cluster = await startCluster({ fsync: true });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    const saver = PostgresSaver.fromConnString(cluster.url, { schema: "skein" });
    await saver.setup();
    const graph = skeinGraph(saver);
    // Warm the JIT on another thread so turn 1 measures the store, not compilation.
    for (let i = 0; i < 20; i++)
      await graph.invoke(
        { messages: [{ role: "user", content: makeText(200, i) }] },
        { configurable: { thread_id: "warm" } },
      );
    await saver.deleteThread("warm");
    await admin.query("VACUUM FULL skein.items, skein.checkpoints, skein.writes, skein.threads");
    const emptyBytes = await schemaBytes(admin, "skein");
    const config = { configurable: { thread_id: "long" } };
    const skein = await runTurns(
      async (content) =>
        String((await graph.invoke({ messages: [{ role: "user", content }] }, config)).messages.at(-1)!.content),
      TURNS,
      async () => (await schemaBytes(admin, "skein")) - emptyBytes,
    );
    await saver.close();

    const lgTurns = full ? TURNS : 300;
    const emptyLg = 0;
    const langgraph = await langgraphTurns(
      cluster.url,
      lgTurns,
      async () => (await schemaBytes(admin, "langgraph")) - emptyLg,
    );

    console.log(
      `postgres: PostgreSQL 15 on loopback (fsync on), seed graph + fake model, 200 + 400-char turns (load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`,
    );
    row("figure", "Skein PostgresSaver", "LangGraph PostgresSaver", "target");
    for (const turns of [300, 1_000]) {
      const text = skein.text.get(turns)!;
      const bytes = skein.sizes.get(turns)!;
      const lgBytes = langgraph.sizes.get(turns);
      row(
        `DB bytes after ${turns} turns (text ${mb(text)})`,
        `${mb(bytes)} (${(bytes / text).toFixed(1)}× text)`,
        lgBytes === undefined ? "(--full)" : `${mb(lgBytes)} (${(lgBytes / text).toFixed(1)}× text)`,
        "linear in turns (O(delta))",
      );
    }
    const growth = skein.sizes.get(1_000)! / 1_000 / (skein.sizes.get(300)! / 300);
    row("bytes per turn at 1,000 vs at 300", `${growth.toFixed(2)}×`, "", "≈ 1 (linear)");
    row(
      "per-turn invoke p50 / p95",
      `${ms(sortedAt(skein.times, 0.5))} / ${ms(sortedAt(skein.times, 0.95))}`,
      `${ms(sortedAt(langgraph.times, 0.5))} / ${ms(sortedAt(langgraph.times, 0.95))}`,
      "p95 ≤ 15 ms on loopback",
    );
    row(
      "per-turn p95, last 100 turns",
      ms(sortedAt(skein.times.slice(-100), 0.95)),
      ms(sortedAt(langgraph.times.slice(-100), 0.95)),
      "within 2× of the first 100",
    );

    // getState of the 1,000-turn thread from a saver that has read nothing yet (a new window).
    const reader = PostgresSaver.fromConnString(cluster.url, { schema: "skein" });
    const readerGraph = skeinGraph(reader);
    await reader.setup();
    let started = performance.now();
    const state = await readerGraph.getState(config);
    const getStateMs = performance.now() - started;
    if (state.values.messages.length !== 2 * TURNS)
      throw new Error(`expected ${2 * TURNS} messages, got ${state.values.messages.length}`);
    row("getState, 1,000-turn thread, new saver", ms(getStateMs), "136 ms (300 turns, measured)", "≤ 50 ms");

    // 10,000 threads in the catalog (rows made in one statement: the figure is the listing, not the seeding).
    await admin.query(
      `INSERT INTO skein.threads (thread_id, gen, title, created_at, updated_at, rev, touched)
       SELECT 'thread-' || i, nextval('skein.gen_seq'), 'Thread ' || i, now(), now(), nextval('skein.rev_seq'), nextval('skein.rev_seq') FROM generate_series(1, 10000) AS i`,
    );
    started = performance.now();
    const listed = await reader.listThreads();
    const listMs = performance.now() - started;
    if (listed.length < 10_000) throw new Error(`listThreads returned ${listed.length}`);
    row("listThreads, 10,001 threads", ms(listMs), "no API (scan list({}))", "≤ 100 ms");
    started = performance.now();
    await reader.listThreads({ limit: 50 });
    row("  first 50 (the tree's first page)", ms(performance.now() - started), "", "≤ 10 ms");

    // Commit in this process → notification in another process.
    const child = notificationChild(cluster.url, "skein");
    await child.ready;
    const delays: number[] = [];
    for (let i = 0; i < 50; i++) {
      const id = `n-${String(i).padStart(4, "0")}`;
      const before = performance.timeOrigin + performance.now();
      await reader.put(
        { configurable: { thread_id: "notify" } },
        { v: 4, id, ts: new Date().toISOString(), channel_values: {}, channel_versions: {}, versions_seen: {} },
        { source: "input", step: -1, parents: {} },
        {},
      );
      for (let wait = 0; !child.arrivals.has(id) && wait < 2_000; wait++)
        await new Promise((resolve) => setTimeout(resolve, 1));
      const arrived = child.arrivals.get(id);
      // From the call (so the figure includes the whole write and its commit) to the other process's callback.
      if (arrived !== undefined) delays.push(arrived - before);
    }
    child.stop();
    row(
      "put → notification in another process",
      `p50 ${ms(sortedAt(delays, 0.5))}, p95 ${ms(sortedAt(delays, 0.95))}`,
      "no notifications",
      "≤ 1 s (tree updates within a second)",
    );
    await reader.close();
  } finally {
    await admin.end();
    cluster.stop();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
