/**
 * Pure step functions of the Pregel loop (LangGraph `pregel/algo.ts`): plan the next tasks from channel versions,
 * apply a step's writes, snapshot channels into a checkpoint. No I/O here.
 */
import { v5 as uuid5, v6 as uuid6 } from "uuid";
import type { ChannelVersions, Checkpoint, CheckpointPendingWrite, PendingWrite } from "../../checkpoint/types";
import type { BaseChannel } from "../channels";
import { isSend, type SendPacket } from "../command";
import { ERROR, INTERRUPT, PULL, PUSH, RESUME, SCHEDULED, TASKS } from "../constants";
import type { Interrupt, StateSnapshotTask } from "../types";
import type { PregelNode } from "./node";

export interface Task {
  id: string;
  name: string;
  /** `[PULL, node]`, or `[PUSH, index of the Send, false]` as LangGraph spells a Send task's path. */
  path: [typeof PULL, string] | [typeof PUSH, number, boolean];
  input: unknown;
  triggers: string[];
  /** Filled when the task finishes (or from pending writes when it already had). */
  writes: PendingWrite[];
  node: PregelNode;
}

/** What `applyWrites` needs of a task. */
export interface TaskWrites {
  name: string;
  path?: Task["path"];
  triggers: string[];
  writes: PendingWrite[];
}

/** Writes on these channels are bookkeeping, not state. */
export const SPECIAL_CHANNELS: ReadonlySet<string> = new Set([ERROR, INTERRUPT, RESUME, SCHEDULED]);

let lastCheckpointId = "";
/** uuid v6: lexicographic order = creation order; the guard keeps ids strictly increasing within this process. */
export function newCheckpointId(): string {
  let id = uuid6();
  while (id <= lastCheckpointId) id = uuid6();
  lastCheckpointId = id;
  return id;
}

export function emptyCheckpoint(): Checkpoint {
  return {
    v: 4,
    id: newCheckpointId(),
    ts: new Date().toISOString(),
    channel_values: {},
    channel_versions: {},
    versions_seen: {},
  };
}

/** Deterministic: planning the same checkpoint again yields the same ids (that is how resume finds writes). */
export function taskId(checkpointId: string, parts: unknown[]): string {
  return uuid5(JSON.stringify(parts), checkpointId);
}

export function channelsFromCheckpoint(
  specs: Record<string, BaseChannel>,
  checkpoint: Checkpoint,
): Record<string, BaseChannel> {
  const channels: Record<string, BaseChannel> = {};
  for (const [name, spec] of Object.entries(specs)) {
    channels[name] = spec.fromCheckpoint(
      Object.prototype.hasOwnProperty.call(checkpoint.channel_values, name)
        ? checkpoint.channel_values[name]
        : undefined,
    );
  }
  return channels;
}

/** A new checkpoint object for the saver: channel values are referenced, not copied (the saver copies). */
export function createCheckpoint(
  checkpoint: Checkpoint,
  channels: Record<string, BaseChannel> | undefined,
): Checkpoint {
  let values = checkpoint.channel_values;
  if (channels) {
    values = {};
    for (const [name, channel] of Object.entries(channels)) {
      const value = channel.checkpoint();
      if (value !== undefined) values[name] = value;
    }
  }
  const versions_seen: Record<string, ChannelVersions> = {};
  for (const [node, seen] of Object.entries(checkpoint.versions_seen)) versions_seen[node] = { ...seen };
  return {
    v: 4,
    id: newCheckpointId(),
    ts: new Date().toISOString(),
    channel_values: values,
    channel_versions: { ...checkpoint.channel_versions },
    versions_seen,
  };
}

/** The state as nodes see it: every non-empty state key. */
export function readState(channels: Record<string, BaseChannel>, keys: readonly string[]): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const key of keys) {
    const channel = channels[key];
    if (channel?.isAvailable()) state[key] = channel.get();
  }
  return state;
}

/** Tasks of the next step: one per `Send` packet (push), one per node whose triggers advanced (pull). */
export function prepareNextTasks(
  checkpoint: Checkpoint,
  channels: Record<string, BaseChannel>,
  nodes: ReadonlyMap<string, PregelNode>,
  stateKeys: readonly string[],
  step: number,
  ns: string,
): Task[] {
  const tasks: Task[] = [];
  const sends = channels[TASKS]?.isAvailable() ? (channels[TASKS]!.get() as SendPacket[]) : [];
  sends.forEach((packet, index) => {
    if (!isSend(packet)) return;
    const node = nodes.get(packet.node);
    if (!node) return;
    tasks.push({
      id: taskId(checkpoint.id, [ns, step, packet.node, PUSH, index]),
      name: packet.node,
      path: [PUSH, index, false],
      input: packet.args,
      triggers: [PUSH],
      writes: [],
      node,
    });
  });
  let state: Record<string, unknown> | undefined;
  for (const [name, node] of nodes) {
    const seen = checkpoint.versions_seen[name] ?? {};
    const fired = node.triggers.filter(
      (chan) => channels[chan]?.isAvailable() && (checkpoint.channel_versions[chan] ?? 0) > (seen[chan] ?? 0),
    );
    if (fired.length === 0) continue;
    state ??= readState(channels, stateKeys);
    tasks.push({
      id: taskId(checkpoint.id, [ns, step, name, PULL, fired]),
      name,
      path: [PULL, name],
      input: node.readInput ? node.readInput(channels) : state,
      triggers: fired,
      writes: [],
      node,
    });
  }
  return tasks;
}

/** Pending writes of tasks that already finished attach to the re-planned tasks (same ids), so they are not re-run. */
export function attachPendingWrites(tasks: Task[], pending: readonly CheckpointPendingWrite[]): void {
  if (pending.length === 0) return;
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const [id, channel, value] of pending) {
    if (SPECIAL_CHANNELS.has(channel)) continue;
    byId.get(id)?.writes.push([channel, value]);
  }
}

function comparePaths(a: TaskWrites, b: TaskWrites): number {
  const pa = a.path ?? ["", a.name];
  const pb = b.path ?? ["", b.name];
  if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
  if (typeof pa[1] === "number" && typeof pb[1] === "number") return pa[1] - pb[1];
  return String(pa[1]) < String(pb[1]) ? -1 : String(pa[1]) > String(pb[1]) ? 1 : 0;
}

/**
 * Folds one step's writes into the channels: each channel's reducer sees all of its writes at once, every
 * channel that changed gets `max(versions) + 1`, and nodes record the trigger versions they consumed.
 * Returns the channels that were written.
 */
export function applyWrites(
  checkpoint: Checkpoint,
  channels: Record<string, BaseChannel>,
  tasks: TaskWrites[],
  getNextVersion: (current: number | undefined) => number,
  triggerChannels?: ReadonlySet<string>,
): Set<string> {
  const ordered = [...tasks].sort(comparePaths);
  const bumpStep = ordered.some((t) => t.triggers.length > 0);
  for (const task of ordered) {
    const seen = (checkpoint.versions_seen[task.name] ??= {});
    for (const chan of task.triggers) {
      const version = checkpoint.channel_versions[chan];
      if (version !== undefined) seen[chan] = version;
    }
  }
  let max = 0;
  for (const version of Object.values(checkpoint.channel_versions)) if (version > max) max = version;
  const next = getNextVersion(max);
  for (const chan of new Set(ordered.flatMap((t) => t.triggers))) {
    if (channels[chan]?.consume()) checkpoint.channel_versions[chan] = next;
  }
  const byChannel = new Map<string, unknown[]>();
  for (const task of ordered) {
    for (const [chan, value] of task.writes) {
      if (SPECIAL_CHANNELS.has(chan) || !(chan in channels)) continue;
      let list = byChannel.get(chan);
      if (!list) byChannel.set(chan, (list = []));
      list.push(value);
    }
  }
  const updated = new Set<string>();
  for (const [chan, values] of byChannel) {
    if (channels[chan]!.update(values)) {
      checkpoint.channel_versions[chan] = next;
      updated.add(chan);
    }
  }
  // A new step: one-step channels (triggers, input, sends) that were not written now clear.
  if (bumpStep) {
    for (const [chan, channel] of Object.entries(channels)) {
      if (!updated.has(chan) && channel.isAvailable() && channel.update([])) checkpoint.channel_versions[chan] = next;
    }
  }
  // Nothing left to trigger: deferred nodes' channels release now, so those nodes run last.
  if (
    bumpStep &&
    triggerChannels &&
    ![...updated].some((chan) => triggerChannels.has(chan) && channels[chan]!.isAvailable())
  ) {
    for (const [chan, channel] of Object.entries(channels)) {
      if (channel.finish()) {
        checkpoint.channel_versions[chan] = next;
        updated.add(chan);
      }
    }
  }
  return updated;
}

/**
 * The state as it would be with `tasks`' writes applied, on scratch copies of the channels (the checkpoint and
 * the channels stay as they are): what an interrupted run returns, with the writes of the tasks that finished.
 */
export function readStateWithWrites(
  checkpoint: Checkpoint,
  channels: Record<string, BaseChannel>,
  tasks: TaskWrites[],
  stateKeys: readonly string[],
  triggerChannels: ReadonlySet<string>,
): Record<string, unknown> {
  const scratchChannels: Record<string, BaseChannel> = {};
  for (const [name, channel] of Object.entries(channels))
    scratchChannels[name] = channel.fromCheckpoint(channel.checkpoint());
  const scratch = { ...checkpoint, channel_versions: { ...checkpoint.channel_versions }, versions_seen: {} };
  applyWrites(scratch, scratchChannels, tasks, (v) => (v ?? 0) + 1, triggerChannels);
  return readState(scratchChannels, stateKeys);
}

/** Channels whose version differs from the previously saved checkpoint (what the saver must store anew). */
export function changedVersions(previous: ChannelVersions, current: ChannelVersions): ChannelVersions {
  const out: ChannelVersions = {};
  for (const [chan, version] of Object.entries(current)) if (previous[chan] !== version) out[chan] = version;
  return out;
}

/** Static breakpoint check: something changed since the last interrupt and a task's node is listed. */
export function shouldInterrupt(
  checkpoint: Checkpoint,
  nodes: readonly string[] | "*",
  tasks: readonly Task[],
): boolean {
  if (nodes !== "*" && nodes.length === 0) return false;
  const seen = checkpoint.versions_seen[INTERRUPT] ?? {};
  const changed = Object.entries(checkpoint.channel_versions).some(([chan, version]) => version > (seen[chan] ?? 0));
  if (!changed) return false;
  return tasks.some((task) => (nodes === "*" ? !task.node.hidden : nodes.includes(task.name)));
}

/** Marks every current channel version as seen by interrupts (so a resumed run does not stop at the same breakpoint). */
export function markInterruptSeen(checkpoint: Checkpoint): void {
  checkpoint.versions_seen[INTERRUPT] = { ...checkpoint.versions_seen[INTERRUPT], ...checkpoint.channel_versions };
}

/** A task's state-key writes as `{ key: value }` (several writes to one key: `{ $writes: [...] }`), or undefined. */
export function stateUpdate(
  stateKeys: readonly string[],
  writes: readonly PendingWrite[],
): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [chan, value] of writes) {
    if (!stateKeys.includes(chan)) continue;
    out ??= {};
    if (chan in out) {
      const prior = out[chan] as { $writes?: unknown[] } | undefined;
      out[chan] = {
        $writes: [
          ...(prior && typeof prior === "object" && Array.isArray(prior.$writes) ? prior.$writes : [prior]),
          value,
        ],
      };
    } else out[chan] = value;
  }
  return out;
}

/** Tasks as a snapshot shows them: error, interrupts and (for finished ones) result, from the pending writes. */
export function tasksWithWrites(
  tasks: readonly Task[],
  pending: readonly CheckpointPendingWrite[],
  stateKeys: readonly string[],
): StateSnapshotTask[] {
  return tasks.map((task) => {
    const own = pending.filter(([id]) => id === task.id);
    const error = own.find(([, chan]) => chan === ERROR)?.[2] as StateSnapshotTask["error"];
    const interrupts = own.filter(([, chan]) => chan === INTERRUPT).flatMap(([, , value]) => value as Interrupt[]);
    const result = stateUpdate(
      stateKeys,
      own.map(([, chan, value]): PendingWrite => [chan, value]),
    );
    return {
      id: task.id,
      name: task.name,
      path: task.path,
      interrupts,
      ...(error ? { error } : {}),
      ...(result ? { result } : {}),
    };
  });
}
