/**
 * Reading and editing a thread's state (LangGraph `getState` / `getStateHistory` / `updateState`).
 * Pure functions over a GraphSpec and a saver; the facade in ./index.ts holds the thread lock.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { CheckpointConfig, CheckpointMetadata, CheckpointTuple, PendingWrite } from "../../checkpoint/types";
import { COPY, END, INPUT, INTERRUPT, NULL_TASK_ID, RESUME, START } from "../constants";
import { GraphError, InvalidUpdateError } from "../errors";
import type { NodeConfig, RunnableConfig, StateSnapshot } from "../types";
import * as algo from "./algo";
import { threadMetadata } from "./loop/checkpointSaving";
import type { GraphSpec } from "./loop/loop";
import { withCheckpointMap } from "./subgraph";

export function requireSaver(spec: GraphSpec, method: string): BaseCheckpointSaver {
  if (!spec.checkpointer) {
    throw new GraphError(
      `${method} needs a checkpointer: compile({ checkpointer: new MemorySaver() }).`,
      "MISSING_CHECKPOINTER",
    );
  }
  return spec.checkpointer;
}

/** A snapshot of one checkpoint. With `applyPendingWrites`, finished tasks' writes show in `values` and leave `next`. */
export function toSnapshot<S>(spec: GraphSpec, saved: CheckpointTuple, applyPendingWrites: boolean): StateSnapshot<S> {
  const checkpoint = saved.checkpoint;
  const ns = saved.config.configurable?.checkpoint_ns ?? "";
  const channels = algo.channelsFromCheckpoint(spec.channels, checkpoint);
  const step = (saved.metadata?.step ?? -1) + 1;
  const tasks = algo.prepareNextTasks(checkpoint, channels, spec.nodes, spec.stateKeys, step, ns);
  const pending = saved.pendingWrites ?? [];
  const nullWrites = pending
    .filter(([id, chan]) => id === NULL_TASK_ID && chan !== RESUME)
    .map(([, c, v]): PendingWrite => [c, v]);
  if (nullWrites.length)
    algo.applyWrites(checkpoint, channels, [{ name: INPUT, triggers: [], writes: nullWrites }], (v) => (v ?? 0) + 1);
  if (applyPendingWrites) {
    algo.attachPendingWrites(tasks, pending);
    const done = tasks.filter((t) => t.writes.length > 0);
    if (done.length) algo.applyWrites(checkpoint, channels, done, (v) => (v ?? 0) + 1, spec.triggerChannels);
  }
  const snapshotTasks = algo.tasksWithWrites(tasks, pending, spec.stateKeys);
  const snapshot: StateSnapshot<S> = {
    values: algo.readState(channels, spec.stateKeys) as S,
    next: tasks.filter((t) => t.writes.length === 0).map((t) => t.name),
    tasks: snapshotTasks,
    config: withCheckpointMap(saved.config, saved.metadata?.parents),
    createdAt: checkpoint.ts,
    interrupts: snapshotTasks.flatMap((t) => t.interrupts),
  };
  if (saved.metadata) snapshot.metadata = saved.metadata;
  if (saved.parentConfig) snapshot.parentConfig = saved.parentConfig;
  return snapshot;
}

/**
 * Writes `values` as if node `asNode` had returned them (reducers apply; `next` follows its edges) and saves a
 * `source: "update"` checkpoint under the loaded one. Special `asNode`s: `__copy__` (fork as a sibling),
 * `__input__` (new input), END with null values (finish pending tasks).
 */
export async function updateState(
  spec: GraphSpec,
  config: RunnableConfig,
  values: unknown,
  asNode?: string,
): Promise<CheckpointConfig> {
  const saver = requireSaver(spec, "updateState");
  const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
  const saved = await saver.getTuple(config);
  if (checkpoint_id !== undefined && !saved) {
    throw new GraphError(
      `Checkpoint "${checkpoint_id}" does not exist on thread "${thread_id}".`,
      "CHECKPOINT_NOT_FOUND",
    );
  }
  const checkpoint = saved?.checkpoint ?? algo.emptyCheckpoint();
  const channels = algo.channelsFromCheckpoint(spec.channels, checkpoint);
  const previous = { ...checkpoint.channel_versions };
  const step = saved?.metadata?.step ?? -1;
  const parents = saved?.metadata?.parents ?? {};
  const parentConfig: CheckpointConfig = saved?.config ?? { configurable: { thread_id, checkpoint_ns } };
  const nextVersion = (v: number | undefined) => saver.getNextVersion(v);
  const save = (source: CheckpointMetadata["source"], base = parentConfig) =>
    saver.put(
      base,
      algo.createCheckpoint(checkpoint, channels),
      { source, step: step + 1, parents, ...threadMetadata(thread_id) },
      algo.changedVersions(previous, checkpoint.channel_versions),
    );

  if (asNode === COPY) {
    if (!saved) throw new InvalidUpdateError("Cannot copy a checkpoint that does not exist.", "INVALID_UPDATE");
    if (values !== null && values !== undefined)
      throw new InvalidUpdateError(`"${COPY}" copies a checkpoint as it is; pass null values.`, "INVALID_UPDATE");
    const base = saved.parentConfig ?? { configurable: { thread_id, checkpoint_ns } };
    return saver.put(
      base,
      algo.createCheckpoint(checkpoint, undefined),
      { source: "fork", step: step + 1, parents, ...threadMetadata(thread_id) },
      {},
    );
  }
  /** Folds in what already happened at the loaded checkpoint: a Command's writes, then finished tasks' writes. */
  const applyPending = (onlyFinished: boolean) => {
    const pending = saved?.pendingWrites ?? [];
    const tasks = algo.prepareNextTasks(checkpoint, channels, spec.nodes, spec.stateKeys, step + 1, checkpoint_ns);
    const nullWrites = pending
      .filter(([id, chan]) => id === NULL_TASK_ID && !algo.SPECIAL_CHANNELS.has(chan))
      .map(([, c, v]): PendingWrite => [c, v]);
    if (nullWrites.length)
      algo.applyWrites(checkpoint, channels, [{ name: INPUT, triggers: [], writes: nullWrites }], nextVersion);
    algo.attachPendingWrites(tasks, pending);
    const apply = onlyFinished ? tasks.filter((t) => t.writes.length > 0) : tasks;
    if (apply.length) algo.applyWrites(checkpoint, channels, apply, nextVersion, spec.triggerChannels);
  };
  if (asNode === END && (values === null || values === undefined)) {
    if (saved) applyPending(false);
    return save("update");
  }
  if (asNode === undefined && (values === null || values === undefined)) return save("update");
  if (asNode === INPUT) {
    algo.applyWrites(checkpoint, channels, [{ name: INPUT, triggers: [], writes: [[START, values]] }], nextVersion);
    return save("input");
  }
  // At the head, the writes of tasks that finished before the run stopped are kept, not dropped (LangGraph).
  if (checkpoint_id === undefined && saved?.pendingWrites?.length) applyPending(true);
  const name = asNode ?? inferAsNode(spec, saved);
  const node = spec.nodes.get(name);
  if (!node)
    throw new InvalidUpdateError(`updateState: node "${name}" does not exist in this graph.`, "INVALID_UPDATE");
  const nodeConfig: NodeConfig = {
    ...config,
    signal: new AbortController().signal,
    writer: () => {},
    emitMessageChunk: () => {},
    metadata: {
      langgraph_node: name,
      langgraph_step: step + 1,
      langgraph_triggers: [],
      langgraph_task_id: NULL_TASK_ID,
    },
  };
  const writes = await node.writes(values, {
    config: nodeConfig,
    written: [],
    readFresh: (own) => {
      const fresh = { ...channels };
      for (const key of spec.stateKeys) {
        const mine = own.filter(([chan]) => chan === key).map(([, v]) => v);
        if (mine.length) (fresh[key] = channels[key]!.fromCheckpoint(channels[key]!.checkpoint())).update(mine);
      }
      return algo.readState(fresh, spec.stateKeys);
    },
  });
  // Triggered by the interrupt pseudo-channel, as in LangGraph: a new step, so stale one-step triggers clear.
  algo.applyWrites(checkpoint, channels, [{ name, triggers: [INTERRUPT], writes }], nextVersion, spec.triggerChannels);
  return save("update");
}

/** Without `asNode`: the only node, else the node that wrote last; a tie is ambiguous. */
function inferAsNode(spec: GraphSpec, saved: CheckpointTuple | undefined): string {
  const userNodes = [...spec.nodes.keys()].filter((n) => n !== START);
  if (userNodes.length === 1) return userNodes[0]!;
  const seen = saved?.checkpoint.versions_seen ?? {};
  const latest: [number, string][] = [];
  for (const [node, versions] of Object.entries(seen)) {
    if (!spec.nodes.has(node)) continue;
    const max = Math.max(0, ...Object.values(versions));
    if (max > 0) latest.push([max, node]);
  }
  latest.sort((a, b) => a[0] - b[0]);
  if (latest.length === 0) return START;
  const last = latest[latest.length - 1]!;
  if (latest.length > 1 && latest[latest.length - 2]![0] === last[0]) {
    throw new InvalidUpdateError(
      `Ambiguous update: ${latest
        .filter(([v]) => v === last[0])
        .map(([, n]) => `"${n}"`)
        .join(" and ")} wrote last. Pass asNode.`,
      "AMBIGUOUS_UPDATE",
    );
  }
  return last[1];
}
