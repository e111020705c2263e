import { requireThreadId as requireAnyThreadId } from "../config";
import { deepCopy } from "../json";
import type { CheckpointConfig, CheckpointTuple } from "../types";
import { materializeValues } from "./format/delta";
import { validateThreadId } from "./format/names";
import type { ThreadFiles } from "./threadFiles";
import type { CheckpointEntry } from "./threadState";

/** A fresh tuple (deep copies) for one stored checkpoint; `register` lets the next put compare by pointer. */
export function toTuple(
  threadId: string,
  files: ThreadFiles,
  entry: CheckpointEntry,
  register: boolean,
): CheckpointTuple {
  const { state } = files;
  const ns = entry.ns;
  const tuple: CheckpointTuple = {
    config: { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: entry.id } },
    checkpoint: {
      v: 4,
      id: entry.id,
      ts: entry.ts,
      channel_values: materializeValues(state, entry, register),
      channel_versions: deepCopy(entry.cv),
      versions_seen: deepCopy(entry.vs),
    },
    metadata: deepCopy(entry.meta),
    pendingWrites: state
      .pendingWrites(ns, entry.id)
      .map(([taskId, channel, value]) => [taskId, channel, deepCopy(value)]),
  };
  if (entry.parent !== undefined) {
    tuple.parentConfig = { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: entry.parent } };
  }
  return tuple;
}

/** The newest root checkpoint id of a loaded thread. */
export function headId(files: ThreadFiles): string | undefined {
  const ids = files.state.spaces.get("")?.ids;
  return ids?.[ids.length - 1];
}

/** The addressed thread, validated before it can reach the file system. */
export function requireThreadId(config: CheckpointConfig, method: string): string {
  return validateThreadId(requireAnyThreadId(config, method));
}
