/**
 * The leaves of a thread's checkpoint tree, found without reading every checkpoint.
 *
 * Why: a saver's `list` materialises each checkpoint's full message list, so reading all of them is
 * O(turns²) — ~1.5 s for a 1,000-turn thread. Messages only ever get appended along a branch, so every
 * message sits in some leaf (a checkpoint nothing continues), and the leaves are few:
 *   - the head (newest checkpoint);
 *   - for every fork event E — a checkpoint whose parent is not the then-head — the checkpoint just before E
 *     (`list({ before: E, limit: 1 })`): that was the head E left behind.
 * Fork events are found by metadata alone (savers filter before materialising): replays and `__copy__`
 * write `source: "fork"`; edits run with `metadata: { skein_edit: true }` (merged into their checkpoints'
 * metadata, as LangGraph does with `config.metadata`); an import records its leaves in the catalog.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { CheckpointTuple } from "../../checkpoint/types";
import type { StoredMessage } from "../../graph/messages";
import type { CheckpointView } from "./branchTree";

/** Metadata an edit run adds to its checkpoints (so the fork it makes is findable). */
export const EDIT_METADATA_KEY = "skein_edit";

export async function readLeafViews(
  saver: BaseCheckpointSaver,
  threadId: string,
  knownLeaves: readonly string[],
): Promise<CheckpointView[]> {
  const configurable = { thread_id: threadId, checkpoint_ns: "" };
  const views = new Map<string, CheckpointView>();
  const add = (tuple: CheckpointTuple | undefined) => {
    if (tuple && !views.has(tuple.checkpoint.id)) views.set(tuple.checkpoint.id, toView(tuple));
  };
  add(await saver.getTuple({ configurable }));
  const events = new Set<string>();
  for (const filter of [{ source: "fork" }, { [EDIT_METADATA_KEY]: true }]) {
    for await (const tuple of saver.list({ configurable }, { filter })) {
      events.add(tuple.checkpoint.id);
      add(tuple);
    }
  }
  for (const id of events) {
    for await (const before of saver.list(
      { configurable },
      { before: { configurable: { checkpoint_id: id } }, limit: 1 },
    ))
      add(before);
  }
  for (const id of knownLeaves) {
    if (typeof id === "string" && !views.has(id))
      add(await saver.getTuple({ configurable: { ...configurable, checkpoint_id: id } }));
  }
  return [...views.values()];
}

export function toView(tuple: CheckpointTuple): CheckpointView {
  const messages = tuple.checkpoint.channel_values.messages;
  return {
    checkpointId: tuple.checkpoint.id,
    parentCheckpointId: tuple.parentConfig?.configurable?.checkpoint_id,
    messages: Array.isArray(messages) ? (messages as StoredMessage[]) : [],
  };
}
