import type { CheckpointConfig, CheckpointConfigurable, CheckpointMetadata } from "../checkpoint/types";

export type StreamMode = "values" | "updates" | "messages" | "custom" | "debug" | "tasks" | "checkpoints";
export type Durability = "sync" | "async" | "exit";

/** What `invoke`, `stream`, `getState` and `updateState` take. Extra `configurable` keys reach nodes unchanged. */
export interface RunnableConfig extends CheckpointConfig {
  configurable?: CheckpointConfigurable;
  /** Supersteps allowed per invocation (default 25). */
  recursionLimit?: number;
  /** Aborts the run promptly; the thread stays resumable. */
  signal?: AbortSignal;
  /** When checkpoints are written: in the background, awaited before the run resolves ("async", the default as in LangGraph), before each next step ("sync"), or once at the end ("exit"). */
  durability?: Durability;
  streamMode?: StreamMode | StreamMode[];
  /** Breakpoints for this call only (they replace the ones given to compile()). */
  interruptBefore?: string[] | "*";
  interruptAfter?: string[] | "*";
  /** Copied into checkpoint metadata and `config.metadata` of nodes. */
  metadata?: Record<string, unknown>;
  tags?: string[];
}

/** `interrupt(value)` as reported to the caller. */
export interface Interrupt<V = unknown> {
  id: string;
  value: V;
}

/**
 * A streamed piece of a message, as a node emits it with `config.emitMessageChunk`. `id` is the id the
 * finished message will carry, so a UI can merge chunks and later the stored message.
 */
export interface MessageChunk {
  id: string;
  role?: "assistant" | "tool";
  /** The new text (a delta, not the text so far). */
  content: string;
  /** Any provider detail (tool-call argument deltas, thinking, usage…). */
  [key: string]: unknown;
}

/** Metadata sent with every `messages`-mode chunk. */
export interface MessageStreamMetadata {
  langgraph_node: string;
  langgraph_step: number;
  langgraph_triggers: string[];
  langgraph_checkpoint_ns: string;
  langgraph_task_id: string;
  thread_id?: string;
  message_id?: string;
  [key: string]: unknown;
}

/** The config a node receives: the run's config plus what a node needs while it runs. */
export interface NodeConfig extends RunnableConfig {
  /** Aborted when the run is aborted or a sibling task fails: pass it to fetch / the model SDK. */
  signal: AbortSignal;
  /** `custom` stream mode: anything written here is streamed as it is. */
  writer: (chunk: unknown) => void;
  /** `messages` stream mode: streams one token chunk as `[chunk, metadata]`. Cheap no-op when nobody listens. */
  emitMessageChunk: (chunk: MessageChunk) => void;
  metadata: {
    langgraph_node: string;
    langgraph_step: number;
    langgraph_triggers: string[];
    langgraph_task_id: string;
    [key: string]: unknown;
  };
}

export interface StateSnapshotTask {
  id: string;
  name: string;
  path: [string, string] | [string, number, boolean];
  /** The failure recorded for this task (`{ message, name }`), if it failed. */
  error?: { message: string; name: string; [key: string]: unknown };
  interrupts: Interrupt[];
  /** The writes of a task that already finished (as `{ channel: value }`). */
  result?: Record<string, unknown>;
  /** A subgraph node's state: the config addressing it, or its snapshot with `getState(config, { subgraphs: true })`. */
  state?: RunnableConfig | StateSnapshot;
}

export interface StateSnapshot<S = Record<string, unknown>> {
  values: S;
  /** Nodes that would run next from this checkpoint (a failed or interrupted node shows up here). */
  next: string[];
  tasks: StateSnapshotTask[];
  metadata?: CheckpointMetadata;
  config: RunnableConfig;
  parentConfig?: RunnableConfig;
  createdAt?: string;
  /** Every pending interrupt of the snapshot's tasks. */
  interrupts: Interrupt[];
}

export interface HistoryOptions {
  limit?: number;
  before?: RunnableConfig;
  filter?: Record<string, unknown>;
}

export type DebugChunk =
  | {
      type: "checkpoint";
      timestamp: string;
      step: number;
      payload: {
        config: RunnableConfig;
        values: Record<string, unknown>;
        metadata: CheckpointMetadata;
        next: string[];
      };
    }
  | {
      type: "task";
      timestamp: string;
      step: number;
      payload: { id: string; name: string; input: unknown; triggers: string[] };
    }
  | {
      type: "task_result";
      timestamp: string;
      step: number;
      payload: { id: string; name: string; result: [string, unknown][]; error?: string; interrupts: Interrupt[] };
    };
