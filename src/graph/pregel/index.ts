/**
 * The runnable graph (LangGraph `pregel/index.ts`): invoke / stream / getState / getStateHistory / updateState.
 * A run with a checkpointer holds the thread's lock from start to finish, so two runs never fork a thread silently.
 */
import type { CheckpointConfig } from "../../checkpoint/types";
import type { Command } from "../command";
import { GraphAbortError, GraphRecursionError, MissingThreadIdError } from "../errors";
import { DEFAULT_RECURSION_LIMIT } from "../constants";
import type { HistoryOptions, Interrupt, MessageChunk, MessageStreamMetadata, RunnableConfig, StateSnapshot, StreamMode, DebugChunk } from "../types";
import { PregelLoop, type GraphSpec } from "./loop";
import { runStep } from "./runner";
import { requireSaver, toSnapshot, updateState } from "./state";
import { checkRunConfig } from "./options";
import { ChunkQueue, StreamEmitter } from "./stream";

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

/** One mode → bare chunks; a list of modes → `[mode, chunk]` pairs. */
export type StreamOutput<M, S, U> = M extends StreamMode[]
  ? { [K in M[number]]: [K, StreamChunk<K, S, U>] }[M[number]]
  : M extends StreamMode
    ? StreamChunk<M, S, U>
    : S;

export type InvokeResult<S> = S & { __interrupt__?: Interrupt[] };

export class CompiledGraph<S extends Record<string, unknown>, U> {
  private readonly nodeNames: ReadonlySet<string>;
  constructor(readonly spec: GraphSpec) {
    this.nodeNames = new Set([...spec.nodes.keys()].filter((name) => !spec.nodes.get(name)!.hidden));
  }

  get checkpointer() {
    return this.spec.checkpointer;
  }

  /** Runs to the end (or an interrupt) and returns the final state; `__interrupt__` lists pending interrupts. */
  async invoke(input: U | Command | null | undefined, config: RunnableConfig = {}): Promise<InvokeResult<S>> {
    checkRunConfig(config, "invoke", this.nodeNames);
    const { streamMode: _ignored, ...rest } = config;
    const loop = await this.run(input, rest, new StreamEmitter([], () => {}));
    const values = (loop.status === "interrupted" ? loop.valuesWithFinishedTasks() : loop.values()) as InvokeResult<S>;
    // A static breakpoint is reported as an interrupt with no values, as LangGraph does.
    if (loop.interrupts.length || loop.status === "interrupt_before" || loop.status === "interrupt_after") values.__interrupt__ = loop.interrupts;
    return values;
  }

  /**
   * Streams the run. `streamMode` "values" (default) | "updates" | "messages" | "custom" | "debug", or a list
   * (then chunks are `[mode, chunk]`). Breaking out of the loop aborts the run and waits until the thread is free.
   */
  async stream<M extends StreamMode | StreamMode[] | undefined = undefined>(
    input: U | Command | null | undefined,
    config: RunnableConfig & { streamMode?: M } = {},
  ): Promise<AsyncIterableIterator<StreamOutput<M, S, U>>> {
    checkRunConfig(config, "stream", this.nodeNames);
    this.requireThread(config, "stream");
    const cancel = new AbortController();
    const signal = config.signal ? AbortSignal.any([config.signal, cancel.signal]) : cancel.signal;
    let settled: Promise<void> = Promise.resolve();
    const queue = new ChunkQueue<StreamOutput<M, S, U>>(async () => {
      cancel.abort(new Error("stream consumer stopped"));
      await settled;
    });
    const emitter = new StreamEmitter(config.streamMode, (chunk) => queue.push(chunk as StreamOutput<M, S, U>));
    settled = this.run(input, { ...config, signal }, emitter).then(
      () => queue.close(),
      (error: unknown) => queue.close(error),
    );
    return queue;
  }

  async getState(config: RunnableConfig): Promise<StateSnapshot<S>> {
    checkRunConfig(config, "getState", this.nodeNames);
    const saver = requireSaver(this.spec, "getState");
    this.requireThread(config, "getState");
    const saved = await saver.getTuple(config);
    if (!saved) return { values: {} as S, next: [], tasks: [], config, interrupts: [] };
    return toSnapshot<S>(this.spec, saved, config.configurable?.checkpoint_id === undefined);
  }

  /** Snapshots newest first. */
  async *getStateHistory(config: RunnableConfig, options: HistoryOptions = {}): AsyncGenerator<StateSnapshot<S>> {
    const saver = requireSaver(this.spec, "getStateHistory");
    checkRunConfig(config, "getStateHistory", this.nodeNames);
    this.requireThread(config, "getStateHistory");
    const listConfig: CheckpointConfig = {
      configurable: { ...config.configurable, checkpoint_ns: config.configurable?.checkpoint_ns ?? "" },
    };
    for await (const saved of saver.list(listConfig, options)) yield toSnapshot<S>(this.spec, saved, false);
  }

  /** See `updateState` in ./state.ts. Returns the config of the new checkpoint. */
  async updateState(config: RunnableConfig, values: U | null | undefined, asNode?: string): Promise<RunnableConfig> {
    const saver = requireSaver(this.spec, "updateState");
    checkRunConfig(config, "updateState", this.nodeNames);
    const threadId = this.requireThread(config, "updateState")!;
    const lock = await saver.lockThread(threadId);
    try {
      return (await updateState(this.spec, config, values, asNode)) as RunnableConfig;
    } finally {
      await lock.release();
    }
  }

  private requireThread(config: RunnableConfig, method: string): string | undefined {
    const threadId = config.configurable?.thread_id;
    if (this.spec.checkpointer && (typeof threadId !== "string" || threadId === "")) throw new MissingThreadIdError(method);
    return threadId;
  }

  /** The driver: tick the loop, run the step, until the loop says stop. */
  private async run(input: unknown, config: RunnableConfig, emitter: StreamEmitter): Promise<PregelLoop> {
    const threadId = this.requireThread(config, "invoke");
    // Aborted before it started: nothing is written, not even the input.
    if (config.signal?.aborted) throw new GraphAbortError(config.signal.reason);
    const lock = this.spec.checkpointer ? await this.spec.checkpointer.lockThread(threadId!) : undefined;
    let loop: PregelLoop | undefined;
    try {
      loop = await PregelLoop.create(this.spec, input, config, emitter);
      while (await loop.tick()) {
        if (config.signal?.aborted) throw new GraphAbortError(config.signal.reason);
        const outcome = await runStep(loop.runnable(), loop.stepEnv());
        if (outcome.aborted) throw new GraphAbortError(config.signal?.reason);
        if (outcome.error !== undefined) throw outcome.error;
        if (outcome.interrupts.length) {
          loop.interrupted(outcome.interrupts);
          break;
        }
        await loop.afterTick();
        if (loop.status === "interrupt_after") break;
      }
      loop.emitStop();
      if (loop.status === "out_of_steps") throw new GraphRecursionError(config.recursionLimit ?? DEFAULT_RECURSION_LIMIT);
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
