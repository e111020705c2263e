import type { CheckpointConfig, CheckpointMetadata, CheckpointPendingWrite } from "../../../checkpoint/types";
import { DEFAULT_RECURSION_LIMIT } from "../../constants";
import type { RunnableConfig } from "../../types";
import * as algo from "../algo";
import type { StreamEmitter } from "../stream";
import { threadMetadata } from "./checkpointSaving";

/** `updates` for tasks that finished in an earlier run (their writes were saved), marked as cached. */
export function emitCachedUpdates(emitter: StreamEmitter, tasks: algo.Task[], stateKeys: readonly string[]): void {
  if (!emitter.wants("updates")) return;
  for (const task of tasks) {
    if (task.node.hidden || task.writes.length === 0) continue;
    emitter.emit("updates", {
      [task.name]: algo.stateUpdate(stateKeys, task.writes) ?? {},
      __metadata__: { cached: true },
    });
  }
}

/** `tasks` / `debug`: each task about to run, with the run's own metadata and tags (as LangGraph attaches them). */
export function emitTaskStarts(emitter: StreamEmitter, step: number, tasks: algo.Task[], config: RunnableConfig): void {
  if (!emitter.wantsTasks()) return;
  for (const task of tasks) {
    if (task.node.hidden) continue;
    emitter.emitTask(step, {
      id: task.id,
      name: task.name,
      input: task.input,
      triggers: task.triggers,
      interrupts: [],
      ...taskMetadata(config),
    });
  }
}

function taskMetadata(config: RunnableConfig): { metadata?: Record<string, unknown> } {
  const metadata: Record<string, unknown> = { ...(config.metadata as Record<string, unknown> | undefined) };
  if (config.tags?.length) metadata.tags = config.tags;
  return Object.keys(metadata).length ? { metadata } : {};
}

/** The checkpoint a step starts from, as the loop knows it. */
export interface StepCheckpoint {
  config: CheckpointConfig;
  /** Unset for the thread's first checkpoint. */
  parentConfig: CheckpointConfig | undefined;
  /** The parent as the saver returned it with the loaded checkpoint (streamed as stored). */
  loadedParent: CheckpointConfig | undefined;
  metadata: CheckpointMetadata | undefined;
  values: Record<string, unknown>;
}

/** The `checkpoints` / `debug` payload: the checkpoint the next step starts from, with the tasks planned from it. */
export function checkpointEvent(
  config: RunnableConfig,
  at: StepCheckpoint,
  tasks: algo.Task[],
  pendingWrites: readonly CheckpointPendingWrite[],
  stateKeys: readonly string[],
): Record<string, unknown> {
  const parent = at.parentConfig;
  return {
    config: streamedConfig(config, at.config),
    values: at.values,
    metadata: at.metadata,
    next: tasks.map((t) => t.name),
    tasks: algo.tasksWithWrites(tasks, pendingWrites, stateKeys),
    ...(parent
      ? {
          parentConfig:
            parent === at.loadedParent ? { configurable: parent.configurable } : streamedConfig(config, parent),
        }
      : {}),
  };
}

/** A checkpoint's config as LangGraph streams it: the run's configurable, metadata, limit and tags. */
function streamedConfig(config: RunnableConfig, checkpoint: CheckpointConfig): Record<string, unknown> {
  const configurable = { ...config.configurable, ...checkpoint.configurable };
  const metadata = {
    ...(config.metadata as Record<string, unknown> | undefined),
    ...threadMetadata(configurable.thread_id),
  };
  return {
    configurable,
    metadata,
    recursion_limit: config.recursionLimit ?? DEFAULT_RECURSION_LIMIT,
    tags: config.tags ?? [],
  };
}
