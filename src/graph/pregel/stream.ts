import type { StreamMode } from "../types";
import type { TaskEventSink } from "./events";

/**
 * Routes chunks to the modes the caller asked for: a bare chunk for one mode, `[mode, chunk]` for a list;
 * with `subgraphs: true`, `[namespace, chunk]` / `[namespace, mode, chunk]` where namespace is `[]` for the
 * root graph and e.g. `["child:<task id>"]` for a subgraph.
 */
export class StreamEmitter {
  private readonly modes: ReadonlySet<StreamMode>;
  private readonly single: boolean;
  private readonly subgraphs: boolean;
  constructor(
    streamMode: StreamMode | StreamMode[] | undefined,
    private readonly sink: (chunk: unknown) => void,
    options: { subgraphs?: boolean } = {},
    private readonly ns: readonly string[] = [],
    private readonly root?: StreamEmitter,
  ) {
    this.single = !Array.isArray(streamMode);
    this.modes = new Set(Array.isArray(streamMode) ? streamMode : [streamMode ?? "values"]);
    this.subgraphs = options.subgraphs === true;
  }
  wants(mode: StreamMode): boolean {
    const root = this.root ?? this;
    if (!root.modes.has(mode)) return false;
    // A subgraph's own steps reach the caller only with `subgraphs: true`; what its nodes stream (custom
    // chunks, message tokens) always does, as in LangGraph.
    return this.root === undefined || root.subgraphs || mode === "custom" || mode === "messages";
  }
  emit(mode: StreamMode, chunk: unknown): void {
    if (!this.wants(mode)) return;
    const root = this.root ?? this;
    if (root.subgraphs) root.sink(root.single ? [this.ns, chunk] : [this.ns, mode, chunk]);
    else root.sink(root.single ? chunk : [mode, chunk]);
  }
  /** `streamEvents`: told when each of this graph's own tasks starts and ends (not a subgraph's). */
  taskEvents?: TaskEventSink;

  /** The emitter of a graph nested at checkpoint namespace `ns`. */
  nested(ns: string): StreamEmitter {
    const root = this.root ?? this;
    return new StreamEmitter(undefined, root.sink, {}, ns.split("|"), root);
  }
  /** Whether `tasks` (or `debug`, which wraps it) is streamed. */
  wantsTasks(): boolean {
    return this.modes.has("tasks") || this.modes.has("debug");
  }
  /** Whether `checkpoints` (or `debug`, which wraps it) is streamed. */
  wantsCheckpoints(): boolean {
    return this.modes.has("checkpoints") || this.modes.has("debug");
  }
  /** A task start (`{ id, name, input, triggers, … }`) or result (`{ id, name, result, … }`): `tasks`, and `debug` wrapped. */
  emitTask(step: number, payload: Record<string, unknown>): void {
    this.emit("tasks", payload);
    if (this.modes.has("debug"))
      this.emit("debug", {
        step,
        type: "result" in payload ? "task_result" : "task",
        timestamp: new Date().toISOString(),
        payload,
      });
  }
  /** A checkpoint the next step starts from: `checkpoints`, and `debug` wrapped. */
  emitCheckpoint(step: number, payload: Record<string, unknown>): void {
    this.emit("checkpoints", payload);
    if (this.modes.has("debug"))
      this.emit("debug", { step, type: "checkpoint", timestamp: new Date().toISOString(), payload });
  }
}

/** A push-to-pull bridge: the run pushes, the caller's `for await` pulls; `return()` cancels the run. */
export class ChunkQueue<T> implements AsyncIterableIterator<T> {
  private buffer: T[] = [];
  private head = 0;
  private waiting?: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };
  private done = false;
  private failure: { error: unknown } | undefined;
  /** `onCancel` stops the run and resolves once it has released the thread. */
  constructor(private readonly onCancel: () => Promise<void>) {}

  push(item: T): void {
    if (this.done) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
    } else this.buffer.push(item);
  }

  close(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    if (error !== undefined) this.failure = { error };
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = undefined;
      if (this.failure) {
        this.failure = undefined;
        reject(error);
      } else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head++] as T;
      if (this.head === this.buffer.length) {
        this.buffer = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      if (this.failure) {
        const { error } = this.failure;
        this.failure = undefined;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.buffer = [];
    this.head = 0;
    if (!this.done) {
      this.done = true;
      await this.onCancel();
    }
    this.failure = undefined;
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
