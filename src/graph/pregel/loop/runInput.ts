/**
 * How a run's input becomes writes: new input (an object of state keys), a `Command` (its update and goto,
 * and resume values addressed by interrupt id or to the next `interrupt()`), or — for a subgraph whose parent
 * resumes — the parent's resume, inherited.
 */
import type { Checkpoint, CheckpointPendingWrite, PendingWrite } from "../../../checkpoint/types";
import type { BaseChannel } from "../../channels";
import { INPUT, NULL_TASK_ID, RESUME, START } from "../../constants";
import { InvalidUpdateError } from "../../errors";
import * as algo from "../algo";
import type { PregelNode } from "../node";
import type { NestContext } from "../subgraph";
import type { CheckpointSaving } from "./checkpointSaving";
import type { PendingWrites } from "./pendingWrites";

type NextVersion = (current: number | undefined) => number;

/** The graph as input mapping needs it. */
export interface InputGraph {
  nodes: ReadonlyMap<string, PregelNode>;
  stateKeys: readonly string[];
  triggerChannels: ReadonlySet<string>;
}

/** New input, written to START at `step`. Tasks left unfinished on the thread are discarded (LangGraph's behaviour). */
export function applyNewInput(
  input: unknown,
  graph: InputGraph,
  checkpoint: Checkpoint,
  channels: Record<string, BaseChannel>,
  step: number,
  ns: string,
  nextVersion: NextVersion,
): void {
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new InvalidUpdateError(
      `Graph input must be an object of state keys (or null to resume), got ${JSON.stringify(input)}.`,
      "INVALID_INPUT",
    );
  }
  const discarded = algo.prepareNextTasks(checkpoint, channels, graph.nodes, graph.stateKeys, step, ns);
  algo.applyWrites(
    checkpoint,
    channels,
    [...discarded, { name: INPUT, triggers: [], writes: [[START, input]] }],
    nextVersion,
    graph.triggerChannels,
  );
}

/** Applies the writes a `Command` given as input stored (its update and goto). */
export function applyCommandWrites(
  pending: PendingWrites,
  checkpoint: Checkpoint,
  channels: Record<string, BaseChannel>,
  nextVersion: NextVersion,
): void {
  const writes = pending.nullWrites();
  if (writes.length === 0) return;
  algo.applyWrites(checkpoint, channels, [{ name: INPUT, triggers: [], writes }], nextVersion);
}

/**
 * `Command({ resume, update, goto })` as input: stored as pending writes (and saved now, so a crash before the
 * next step keeps them). `commandWrites` are its update and goto. `wrote` is false for an empty Command;
 * `resumeMap` is set when `resume` is keyed by interrupt ids (subgraphs get it: it may address theirs).
 */
export async function writeCommandInput(
  commandWrites: PendingWrite[],
  resume: unknown,
  pending: PendingWrites,
  saving: CheckpointSaving,
): Promise<{ wrote: boolean; resumeMap?: Record<string, unknown> }> {
  const writes: CheckpointPendingWrite[] = commandWrites.map(([chan, value]) => [NULL_TASK_ID, chan, value]);
  let resumeMap: Record<string, unknown> | undefined;
  if (resume !== undefined) {
    const addressed = resumeWrites(pending, resume);
    writes.push(...addressed.writes);
    resumeMap = addressed.keyed;
  }
  if (writes.length === 0) return { wrote: false };
  const byTask = new Map<string, PendingWrite[]>();
  for (const [taskId, chan, value] of writes) {
    pending.set(taskId, chan, value);
    byTask.set(taskId, [...(byTask.get(taskId) ?? []), [chan, value]]);
  }
  for (const [taskId, taskWrites] of byTask) await saving.putInputWrites(taskId, taskWrites);
  return { wrote: true, ...(resumeMap ? { resumeMap } : {}) };
}

/**
 * A resuming subgraph takes over its parent's resume: the parent's unused `Command({ resume })` value goes to
 * the subgraph's next `interrupt()`, and values keyed by the ids of the subgraph's own interrupts go to them.
 */
export async function inheritResume(
  nest: NestContext,
  pending: PendingWrites,
  saving: CheckpointSaving,
): Promise<void> {
  const writes: CheckpointPendingWrite[] = [];
  const nullResume = nest.nullResume();
  if (nest.resumeMap) {
    const owned = new Set(pending.interruptOwners().keys());
    const mine = Object.fromEntries(Object.entries(nest.resumeMap).filter(([id]) => owned.has(id)));
    if (Object.keys(mine).length) writes.push(...resumeWrites(pending, mine).writes);
  } else if (nullResume) writes.push([NULL_TASK_ID, RESUME, nullResume.value]);
  for (const [taskId, chan, value] of writes) {
    pending.set(taskId, chan, value);
    await saving.putInputWrites(taskId, [[chan, value]]);
  }
}

/**
 * `resume` keyed by interrupt ids goes to those tasks (returned as `keyed`); anything else goes to the next
 * `interrupt()` call.
 */
function resumeWrites(
  pending: PendingWrites,
  resume: unknown,
): { writes: CheckpointPendingWrite[]; keyed?: Record<string, unknown> } {
  const owners = pending.interruptOwners();
  const keys = typeof resume === "object" && resume !== null && !Array.isArray(resume) ? Object.keys(resume) : [];
  if (keys.length === 0 || !keys.every((key) => owners.has(key))) return { writes: [[NULL_TASK_ID, RESUME, resume]] };
  const writes: CheckpointPendingWrite[] = [];
  for (const key of keys) {
    const taskId = owners.get(key)!;
    const prior = pending.list.find(([id, chan]) => id === taskId && chan === RESUME);
    writes.push([taskId, RESUME, [...((prior?.[2] as unknown[]) ?? []), (resume as Record<string, unknown>)[key]]]);
  }
  return { writes, keyed: resume as Record<string, unknown> };
}
