/**
 * Checkpoint format migrations shared by every saver. Before format v4, the `Send`s of a step were not a
 * channel: they were pending writes on `__pregel_tasks` of the parent checkpoint. A v < 4 checkpoint read
 * (or, for a store that rewrites what it is given, stored) gets them moved into `channel_values.__pregel_tasks`,
 * as LangGraph's savers do.
 */
import type { Checkpoint, CheckpointPendingWrite } from "./types";

export const TASKS_CHANNEL = "__pregel_tasks";

/** `checkpoint` with its parent's pending sends as the tasks channel; the same object when nothing applies. */
export function migratePendingSends(
  checkpoint: Checkpoint,
  parentWrites: readonly CheckpointPendingWrite[] | undefined,
  getNextVersion: (current: number | undefined) => number,
): Checkpoint {
  if (checkpoint.v >= 4 || parentWrites === undefined) return checkpoint;
  const sends = parentWrites.filter(([, channel]) => channel === TASKS_CHANNEL).map(([, , value]) => value);
  const versions = Object.values(checkpoint.channel_versions);
  return {
    ...checkpoint,
    channel_values: { ...checkpoint.channel_values, [TASKS_CHANNEL]: sends },
    channel_versions: {
      ...checkpoint.channel_versions,
      [TASKS_CHANNEL]: versions.length ? Math.max(...versions) : getNextVersion(undefined),
    },
  };
}
