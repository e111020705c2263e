/**
 * The checkpoint contract shared by the runtime and every saver (LangGraph.js `BaseCheckpointSaver`
 * vocabulary and shapes), plus Skein's thread catalog and thread lock.
 */

/** The part of a run config that addresses a checkpoint. */
export interface CheckpointConfigurable {
  thread_id?: string;
  checkpoint_ns?: string;
  checkpoint_id?: string;
  [key: string]: unknown;
}

export interface CheckpointConfig {
  configurable?: CheckpointConfigurable;
}

/** channel → integer version. */
export type ChannelVersions = Record<string, number>;

export interface Checkpoint {
  v: 4;
  /** Time-ordered id (uuid v6 style): lexicographic order = creation order. */
  id: string;
  /** ISO timestamp. */
  ts: string;
  /** channel → value for every non-empty channel. */
  channel_values: Record<string, unknown>;
  channel_versions: ChannelVersions;
  /** node → (channel → version last consumed). */
  versions_seen: Record<string, ChannelVersions>;
}

export type CheckpointSource = "input" | "loop" | "update" | "fork";

export interface CheckpointMetadata {
  source: CheckpointSource;
  step: number;
  /** checkpoint_ns → checkpoint_id of the parent graph's checkpoint (empty for the root graph). */
  parents: Record<string, string>;
  [key: string]: unknown;
}

/** `[channel, value]` as written by one task. */
export type PendingWrite = [channel: string, value: unknown];
/** `[taskId, channel, value]` as stored against a checkpoint. */
export type CheckpointPendingWrite = [taskId: string, channel: string, value: unknown];

export interface CheckpointTuple {
  config: CheckpointConfig;
  checkpoint: Checkpoint;
  metadata?: CheckpointMetadata;
  parentConfig?: CheckpointConfig;
  pendingWrites?: CheckpointPendingWrite[];
}

export interface CheckpointListOptions {
  limit?: number;
  /** Only checkpoints whose id is below `before.configurable.checkpoint_id`. */
  before?: CheckpointConfig;
  /** Metadata equality on every given key. */
  filter?: Record<string, unknown>;
}

/** One entry of the thread catalog (LangGraph has no such API). */
export interface ThreadInfo {
  threadId: string;
  title?: string;
  /** ISO timestamps. */
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, unknown>;
}

export interface ThreadInfoUpdate {
  title?: string;
  /** Shallow-merged into the stored metadata; a key set to `undefined` is removed. */
  metadata?: Record<string, unknown>;
}

/** Held while a run writes to one thread; a second holder gets `ThreadBusyError`. */
export interface ThreadLock {
  release(): Promise<void>;
}

/** A run lock (`lockThread`) or the lock of one write outside a run. */
export type LockKind = "run" | "write";

/** Who holds a lock, as far as the backend knows (for the busy message). */
export interface LockHolder {
  kind: LockKind;
  pid?: number;
  host?: string;
  /** When the holder last renewed the lock (ISO), and when it expires unless renewed again. */
  renewedAt?: string;
  expiresInMs?: number;
}

/** Special write channels and their fixed negative indices (LangGraph's WRITES_IDX_MAP). */
export const ERROR = "__error__";
export const SCHEDULED = "__scheduled__";
export const INTERRUPT = "__interrupt__";
export const RESUME = "__resume__";
export const WRITES_IDX_MAP: Readonly<Record<string, number>> = Object.freeze({
  [ERROR]: -1,
  [SCHEDULED]: -2,
  [INTERRUPT]: -3,
  [RESUME]: -4,
});
