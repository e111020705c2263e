/**
 * Differential cases: one program, run on LangGraph.js and on Skein, observations compared after `normalise`.
 * A case is `differential(title, async (o) => { ... })`; the program builds its graph from `o.rt` (never from
 * either package directly) and records what a user would look at through `o.invoke / o.state / o.history /
 * o.stream / o.record`. Any difference fails the test with vitest's diff of the two observation lists.
 */
import { expect, it } from "vitest";
import { IdMap, normalise } from "./normalise";
import { langgraphRuntime, makeSkeinRuntime, type Runtime } from "./runtimes";

/* eslint-disable @typescript-eslint/no-explicit-any -- graphs and snapshots of either runtime */
type Graph = any;
type Config = Record<string, any>;

export interface Observer {
  rt: Runtime;
  /** Records a value as it is (it is normalised later). */
  record(label: string, value: unknown): void;
  /** Runs `fn` and records its result, or `{ error: name }` if it throws (the program goes on). */
  attempt<T>(label: string, fn: () => Promise<T> | T): Promise<T | undefined>;
  invoke(label: string, graph: Graph, input: unknown, config?: Config): Promise<any>;
  /** `getState` reduced to what a user reads: values, next, tasks, interrupts, metadata, config and parent. */
  state(label: string, graph: Graph, config: Config): Promise<any>;
  /** `getStateHistory`, newest first: source, step, next, values, checkpoint and parent ids. */
  history(label: string, graph: Graph, config: Config, options?: Config): Promise<any[]>;
  /** Every chunk of `graph.stream(input, config)`; a throw is recorded after the chunks it yielded. */
  stream(label: string, graph: Graph, input: unknown, config: Config, pick?: (chunk: any) => unknown): Promise<any[]>;
}

export type Program = (o: Observer) => Promise<void>;

/**
 * Where LangGraph.js throws a plain `Error` (a route to a key missing from the path map, an edge to an unknown
 * node), Skein throws a named error with a code; both count as "Error" here. README: Differences from LangGraph.js.
 */
const REFINES_PLAIN_ERROR = new Set(["INVALID_ROUTE", "INVALID_GRAPH"]);

function errorView(error: unknown): { error: string } {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  if (typeof code === "string" && REFINES_PLAIN_ERROR.has(code)) return { error: "Error" };
  return { error: typeof name === "string" ? name : String(error) };
}

function taskView(task: any) {
  const error = task.error ? errorView(task.error).error : undefined;
  return {
    id: task.id,
    name: task.name,
    path: task.path,
    interrupts: task.interrupts ?? [],
    error,
    result: task.result,
  };
}

export function snapshotView(snapshot: any) {
  return {
    values: snapshot.values,
    next: [...snapshot.next].sort(),
    tasks: snapshot.tasks.map(taskView),
    metadata: snapshot.metadata,
    config: snapshot.config?.configurable,
    parent: snapshot.parentConfig?.configurable?.checkpoint_id,
  };
}

function observer(rt: Runtime, observations: [string, unknown][]): Observer {
  const record = (label: string, value: unknown) => void observations.push([label, value]);
  const attempt = async <T>(label: string, fn: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      const value = await fn();
      record(label, value);
      return value;
    } catch (error) {
      record(label, errorView(error));
      return undefined;
    }
  };
  return {
    rt,
    record,
    attempt,
    invoke: (label, graph, input, config = {}) => attempt(label, () => graph.invoke(input, config)),
    state: async (label, graph, config) => {
      const view = await attempt(label, async () => snapshotView(await graph.getState(config)));
      return view;
    },
    history: async (label, graph, config, options) => {
      const out: any[] = [];
      try {
        for await (const s of graph.getStateHistory(config, options)) {
          out.push({
            source: s.metadata?.source,
            step: s.metadata?.step,
            next: [...s.next].sort(),
            values: s.values,
            id: s.config.configurable.checkpoint_id,
            parent: s.parentConfig?.configurable?.checkpoint_id,
          });
        }
        record(label, out);
      } catch (error) {
        record(label, [...out, errorView(error)]);
      }
      return out;
    },
    stream: async (label, graph, input, config, pick = (c) => c) => {
      const out: any[] = [];
      try {
        for await (const chunk of await graph.stream(input, config)) out.push(pick(chunk));
        record(label, out);
      } catch (error) {
        record(label, [...out, errorView(error)]);
      }
      return out;
    },
  };
}

/** Runs `program` on one runtime; a throw that escapes the program is the last observation. */
export async function observe(rt: Runtime, program: Program): Promise<Record<string, unknown>[]> {
  const observations: [string, unknown][] = [];
  try {
    await program(observer(rt, observations));
  } catch (error) {
    observations.push(["uncaught", errorView(error)]);
  }
  const ids = new IdMap();
  return observations.map(([label, value]) => ({ [label]: normalise(value, ids) }));
}

export interface DifferentialOptions {
  /** The saver Skein runs with (default: Skein's MemorySaver). LangGraph always runs with its MemorySaver. */
  skeinSaver?: () => unknown;
}

/** Registers a test: the program's observations on Skein must equal those on LangGraph.js. */
export function differential(title: string, program: Program, options: DifferentialOptions = {}): void {
  it(title, async () => {
    const expected = await observe(langgraphRuntime, program);
    const actual = await observe(makeSkeinRuntime(options.skeinSaver), program);
    expect(actual).toEqual(expected);
  });
}
