/**
 * The runnable graph (LangGraph `pregel/index.ts`): invoke / stream / getState / getStateHistory / updateState.
 * A run with a checkpointer holds the thread's lock from start to finish, so two runs never fork a thread silently.
 */
import type { CheckpointConfig } from "../../checkpoint/types";
import type { Command } from "../command";
import { drawableGraph, type DrawableGraph } from "../drawing";
import {
  GraphAbortError,
  GraphError,
  GraphInterrupt,
  InvalidUpdateError,
  GraphRecursionError,
  MissingThreadIdError,
} from "../errors";
import { DEFAULT_RECURSION_LIMIT } from "../constants";
import type {
  HistoryOptions,
  Interrupt,
  MessageChunk,
  MessageStreamMetadata,
  RunnableConfig,
  StateSnapshot,
  StreamMode,
  DebugChunk,
} from "../types";
import { PregelLoop, type GraphSpec } from "./loop/loop";
import { runStep } from "./runner";
import { requireSaver, updateState } from "./state";
import { checkRunConfig } from "./options";
import { ChunkQueue, StreamEmitter } from "./stream";
import { currentNest, nestedConfig } from "./subgraph";
import { snapshotOf, specForNamespace, stateAt, subgraphsOf, type SubgraphEntry } from "./subgraphState";
import { checkEventOptions, EventBuilder, type StreamEvent, type StreamEventsOptions } from "./events";
import { mergeConfigs, runBatch, type BatchOptions } from "./runConfig";

/** What one stream mode yields. */
export type StreamChunk<Mode extends StreamMode, S, U> = Mode extends "values"
  ? S
  : Mode extends "updates"
    ? Record<string, U | null | undefined>
    : Mode extends "messages"
      ? [MessageChunk | Record<string, unknown>, MessageStreamMetadata]
      : Mode extends "debug"
        ? DebugChunk
        : unknown;

/** One mode → bare chunks; a list of modes → `[mode, chunk]` pairs; `subgraphs: true` prefixes the namespace. */
export type StreamOutput<M, S, U, SG = false> = SG extends true
  ? M extends StreamMode[]
    ? { [K in M[number]]: [string[], K, StreamChunk<K, S, U>] }[M[number]]
    : [string[], M extends StreamMode ? StreamChunk<M, S, U> : S]
  : M extends StreamMode[]
    ? { [K in M[number]]: [K, StreamChunk<K, S, U>] }[M[number]]
    : M extends StreamMode
      ? StreamChunk<M, S, U>
      : S;

/** `stream()`'s options beyond the run's config. */
export interface StreamOptions<M, SG> {
  streamMode?: M;
  /** Also stream what subgraphs do, each chunk prefixed with its namespace (`[]` for this graph). */
  subgraphs?: SG;
}

export type InvokeResult<S> = S & { __interrupt__?: Interrupt[] };

/** The output schema's keys of the final state (all of it without an output schema). */
function outputOf(values: Record<string, unknown>, keys: readonly string[] | undefined): Record<string, unknown> {
  if (!keys) return values;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in values) out[key] = values[key];
  return out;
}

/**
 * S: the state nodes and `values` chunks see; U: a state update; I: what `invoke`/`stream` take (the input
 * schema's update type); O: what `invoke` returns (the output schema's state).
 */
export class CompiledGraph<S extends Record<string, unknown>, U, I = U, O extends Record<string, unknown> = S> {
  /** Config every call starts from (`withConfig`). */
  private defaults: RunnableConfig = {};
  private readonly nodeNames: ReadonlySet<string>;
  constructor(readonly spec: GraphSpec) {
    this.nodeNames = new Set([...spec.nodes.keys()].filter((name) => !spec.nodes.get(name)!.hidden));
  }

  /** A copy of this graph whose calls start from `config` (each call's own config merged over it). */
  withConfig(config: RunnableConfig): CompiledGraph<S, U, I, O> {
    const graph = new CompiledGraph<S, U, I, O>(this.spec);
    graph.defaults = mergeConfigs(this.defaults, config);
    return graph;
  }

  /**
   * `invoke` for each input (with the matching config of a list, or one config for all), results in input order.
   * Inputs on one thread of a checkpointer contend for its lock: give each its own thread.
   */
  async batch(
    inputs: (I | Command | null | undefined)[],
    config: RunnableConfig | RunnableConfig[] = {},
    options: BatchOptions = {},
  ): Promise<(InvokeResult<O> | Error)[]> {
    if (Array.isArray(config) && config.length !== inputs.length) {
      throw new GraphError(
        `batch: ${inputs.length} inputs but ${config.length} configs; pass one config, or one per input.`,
        "INVALID_BATCH",
      );
    }
    return runBatch(inputs, (input, i) => this.invoke(input, Array.isArray(config) ? config[i]! : config), options);
  }

  get checkpointer() {
    return this.spec.checkpointer;
  }

  /** Runs to the end (or an interrupt) and returns the final state; `__interrupt__` lists pending interrupts. */
  async invoke(input: I | Command | null | undefined, config: RunnableConfig = {}): Promise<InvokeResult<O>> {
    config = mergeConfigs(this.defaults, config);
    checkRunConfig(config, "invoke", this.nodeNames);
    const { streamMode: _ignored, ...rest } = config;
    const loop = await this.run(input, rest);
    const state = loop.status === "interrupted" ? loop.valuesWithFinishedTasks() : loop.values();
    const values = outputOf(state, this.spec.outputKeys) as InvokeResult<O>;
    // A static breakpoint is reported as an interrupt with no values, as LangGraph does.
    if (loop.interrupts.length || loop.status === "interrupt_before" || loop.status === "interrupt_after")
      values.__interrupt__ = loop.interrupts;
    return values;
  }

  /**
   * Streams the run. `streamMode` "values" (default) | "updates" | "messages" | "custom" | "debug", or a list
   * (then chunks are `[mode, chunk]`). Breaking out of the loop aborts the run and waits until the thread is free.
   */
  async stream<M extends StreamMode | StreamMode[] | undefined = undefined, SG extends boolean | undefined = undefined>(
    input: I | Command | null | undefined,
    config: RunnableConfig & StreamOptions<M, SG> = {},
  ): Promise<AsyncIterableIterator<StreamOutput<M, S, U, SG>>> {
    config = mergeConfigs(this.defaults, config) as typeof config;
    checkRunConfig(config, "stream", this.nodeNames);
    this.requireThread(config, "stream");
    const cancel = new AbortController();
    const signal = config.signal ? AbortSignal.any([config.signal, cancel.signal]) : cancel.signal;
    let settled: Promise<void> = Promise.resolve();
    const queue = new ChunkQueue<StreamOutput<M, S, U, SG>>(async () => {
      cancel.abort(new Error("stream consumer stopped"));
      await settled;
    });
    const { subgraphs, ...runConfig } = config;
    const emitter = new StreamEmitter(config.streamMode, (chunk) => queue.push(chunk as StreamOutput<M, S, U, SG>), {
      subgraphs: subgraphs === true,
    });
    settled = this.run(input, { ...runConfig, signal }, emitter).then(
      () => queue.close(),
      (error: unknown) => queue.close(error),
    );
    return queue;
  }

  /**
   * LangChain's v2 event stream for this run: `on_chain_start` / `on_chain_stream` (each `updates` chunk) /
   * `on_chain_end` for the graph, `on_chain_start` / `on_chain_end` for each node task (see ./events.ts).
   */
  async *streamEvents(
    input: I | Command | null | undefined,
    options: RunnableConfig & StreamEventsOptions,
  ): AsyncGenerator<StreamEvent> {
    checkEventOptions(options);
    const { version: _version, runName, streamMode: _mode, ...given } = options;
    const config = mergeConfigs(this.defaults, given);
    checkRunConfig(config, "streamEvents", this.nodeNames);
    this.requireThread(config, "streamEvents");
    const cancel = new AbortController();
    const signal = config.signal ? AbortSignal.any([config.signal, cancel.signal]) : cancel.signal;
    let settled: Promise<void> = Promise.resolve();
    const queue = new ChunkQueue<StreamEvent>(async () => {
      cancel.abort(new Error("stream consumer stopped"));
      await settled;
    });
    const events = new EventBuilder(runName ?? "LangGraph", config, (event) => queue.push(event));
    events.graph("on_chain_start", { input });
    const emitter = new StreamEmitter("updates", (chunk) => events.graph("on_chain_stream", { chunk }));
    emitter.taskEvents = events.task;
    settled = this.run(input, { ...config, signal }, emitter).then(
      (loop) => {
        events.graph("on_chain_end", { output: outputOf(loop.values(), this.spec.outputKeys) });
        queue.close();
      },
      (error: unknown) => queue.close(error),
    );
    yield* queue;
  }

  /**
   * The thread's state. `{ subgraphs: true }` puts each subgraph task's snapshot in `tasks[i].state` (else the
   * config addressing it); a config whose `checkpoint_ns` names a subgraph task reads that subgraph's state.
   */
  async getState(config: RunnableConfig, options: { subgraphs?: boolean } = {}): Promise<StateSnapshot<S>> {
    checkRunConfig(config, "getState", this.nodeNames);
    const saver = requireSaver(this.spec, "getState");
    this.requireThread(config, "getState");
    return stateAt<S>(
      specForNamespace(this.spec, config.configurable?.checkpoint_ns),
      saver,
      config,
      options.subgraphs === true,
    );
  }

  /** Snapshots newest first (of a subgraph, when `checkpoint_ns` names one of its tasks). */
  async *getStateHistory(config: RunnableConfig, options: HistoryOptions = {}): AsyncGenerator<StateSnapshot<S>> {
    const saver = requireSaver(this.spec, "getStateHistory");
    checkRunConfig(config, "getStateHistory", this.nodeNames);
    this.requireThread(config, "getStateHistory");
    const ns = config.configurable?.checkpoint_ns ?? "";
    const spec = specForNamespace(this.spec, ns);
    const listConfig: CheckpointConfig = { configurable: { ...config.configurable, checkpoint_ns: ns } };
    for await (const saved of saver.list(listConfig, options)) yield snapshotOf<S>(spec, saver, saved, false, false);
  }

  /** See `updateState` in ./state.ts. Returns the config of the new checkpoint. */
  async updateState(config: RunnableConfig, values: U | null | undefined, asNode?: string): Promise<RunnableConfig> {
    const saver = requireSaver(this.spec, "updateState");
    checkRunConfig(config, "updateState", this.nodeNames);
    const threadId = this.requireThread(config, "updateState")!;
    const lock = await saver.lockThread(threadId);
    try {
      const spec = specForNamespace(this.spec, config.configurable?.checkpoint_ns);
      return (await updateState(
        spec === this.spec ? spec : { ...spec, checkpointer: saver },
        config,
        values,
        asNode,
      )) as RunnableConfig;
    } finally {
      await lock.release();
    }
  }

  private requireThread(config: RunnableConfig, method: string, spec = this.spec): string | undefined {
    const threadId = config.configurable?.thread_id;
    if (spec.checkpointer && (typeof threadId !== "string" || threadId === "")) throw new MissingThreadIdError(method);
    return threadId;
  }

  /** The graph's nodes and edges; `.drawMermaid()` gives the same Mermaid text as LangGraph.js. */
  getGraph(options: { xray?: boolean | number } = {}): DrawableGraph {
    if (!this.spec.structure)
      throw new GraphError(
        "This graph was not built by a StateGraph, so it has no structure to draw.",
        "NOT_SUPPORTED",
      );
    return drawableGraph(this.spec.structure, options);
  }

  async getGraphAsync(options: { xray?: boolean | number } = {}): Promise<DrawableGraph> {
    return this.getGraph(options);
  }

  /**
   * Applies supersteps of updates in order, each as `updateState(config, values, asNode)` on the checkpoint the
   * previous one made (LangGraph's way to build or copy a thread). Returns the last checkpoint's config.
   */
  async bulkUpdateState(
    config: RunnableConfig,
    supersteps: { updates: { values: U | null | undefined; asNode?: string }[] }[],
  ): Promise<RunnableConfig> {
    if (supersteps.length === 0)
      throw new InvalidUpdateError("bulkUpdateState: no supersteps provided.", "INVALID_UPDATE");
    let current = config;
    for (const [index, { updates }] of supersteps.entries()) {
      if (updates.length === 0)
        throw new InvalidUpdateError(`bulkUpdateState: superstep ${index} has no updates.`, "INVALID_UPDATE");
      if (updates.length > 1) {
        throw new GraphError(
          `bulkUpdateState: superstep ${index} has ${updates.length} updates; Skein applies one update per superstep (LangGraph.js applies several as one checkpoint). Give each update its own superstep.`,
          "NOT_SUPPORTED",
        );
      }
      current = await this.updateState(current, updates[0]!.values, updates[0]!.asNode);
    }
    return current;
  }

  /**
   * Yields `[name, graph]` for each node that is a compiled graph; `recurse` adds theirs as "child|grandchild";
   * `namespace` ("child" or "child|grandchild") yields only that one.
   */
  *getSubgraphs(namespace?: string, recurse = false): Generator<SubgraphEntry> {
    yield* subgraphsOf(this.spec, namespace, recurse);
  }

  async *getSubgraphsAsync(namespace?: string, recurse = false): AsyncGenerator<SubgraphEntry> {
    yield* subgraphsOf(this.spec, namespace, recurse);
  }

  /**
   * The driver: tick the loop, run the step, until the loop says stop. Started inside a task of another run,
   * the run is a subgraph run: it uses that run's checkpointer, thread and lock, and stops it at an interrupt.
   */
  private async run(input: unknown, config: RunnableConfig, given?: StreamEmitter): Promise<PregelLoop> {
    const nest = currentNest();
    let spec = this.spec;
    let emitter = given ?? new StreamEmitter([], () => {});
    if (nest) {
      const nested = nestedConfig(nest, config);
      config = nested.config;
      if (!given) emitter = nest.emitter.nested(nested.ns);
      if (nest.checkpointer) spec = { ...spec, checkpointer: nest.checkpointer };
    }
    const threadId = this.requireThread(config, "invoke", spec);
    // Aborted before it started: nothing is written, not even the input.
    if (config.signal?.aborted) throw new GraphAbortError(config.signal.reason);
    // A subgraph run on its parent's checkpointer runs under the parent's lock.
    const lock = spec.checkpointer && !nest?.checkpointer ? await spec.checkpointer.lockThread(threadId!) : undefined;
    let loop: PregelLoop | undefined;
    try {
      loop = await PregelLoop.create(spec, input, config, emitter, nest);
      while (await loop.tick()) {
        if (config.signal?.aborted) throw new GraphAbortError(config.signal.reason);
        const outcome = await runStep(loop.runnable(), loop.stepEnv());
        if (outcome.aborted) throw new GraphAbortError(config.signal?.reason);
        if (outcome.error !== undefined) throw outcome.error;
        if (outcome.interrupts.length || outcome.interrupted) {
          loop.interrupted(outcome.interrupts);
          break;
        }
        await loop.afterTick();
        if (loop.status === "interrupt_after") break;
      }
      loop.emitStop();
      if (loop.status === "out_of_steps")
        throw new GraphRecursionError(config.recursionLimit ?? DEFAULT_RECURSION_LIMIT);
      // A subgraph's interrupt (or breakpoint) stops the parent's task, which records it.
      if (nest && loop.status !== "done") throw new GraphInterrupt(loop.interrupts);
      return loop;
    } finally {
      try {
        await loop?.finish();
      } finally {
        await lock?.release();
      }
    }
  }
}
