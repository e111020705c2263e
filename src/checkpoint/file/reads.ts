import type { ListedNamespace } from "../listing";
import type { CheckpointConfig, CheckpointTuple } from "../types";
import { release, tryAcquire } from "./locks/lock";
import type { ThreadFiles } from "./threadFiles";
import type { CheckpointEntry } from "./threadState";
import { headId, toTuple } from "./tuples";

/** What reading needs from the saver: its loaded threads, which ones it holds locked, where their locks are. */
export interface ReadContext {
  files(threadId: string): ThreadFiles;
  holds(threadId: string): boolean;
  lockPath(threadId: string): string;
}

/**
 * An up-to-date thread for reading, or undefined when it has no files. `full`: the caller needs every record
 * (history), so a thread not loaded yet skips the head-cache open it would throw away at once. Damage found
 * on the way is repaired (under the write lock) and reported by the thread's files.
 */
export function readThread(context: ReadContext, threadId: string, full = false): ThreadFiles | undefined {
  const files = context.files(threadId);
  // Holding the run lock (in a run or as a lease), nobody else writes the thread: memory is up to date.
  if (context.holds(threadId) && files.state.seq >= 0) return files;
  const { exists, damaged } = files.refresh(false, !full);
  if (damaged) {
    // Repair needs the write lock; if a writer holds it, the "damage" is most likely its unfinished line.
    const path = context.lockPath(threadId);
    const lock = tryAcquire(path, "write");
    if (lock.ok) {
      try {
        files.refresh(true);
      } finally {
        release(path, lock.token);
      }
    }
  }
  return exists ? files : undefined;
}

/** `getTuple` on a loaded thread: the checkpoint `config` names, else the newest of its namespace. */
export function tupleOf(threadId: string, files: ThreadFiles, config: CheckpointConfig): CheckpointTuple | undefined {
  const ns = config.configurable?.checkpoint_ns ?? "";
  const wanted = config.configurable?.checkpoint_id;
  if (files.partial && (ns !== "" || (wanted !== undefined && wanted !== headId(files)))) files.ensureFull();
  const space = files.state.spaces.get(ns);
  if (!space) return undefined;
  const id = wanted ?? space.ids[space.ids.length - 1];
  const entry = id === undefined ? undefined : space.byId.get(id);
  return entry ? toTuple(threadId, files, entry, true) : undefined;
}

export interface ListRef {
  threadId: string;
  files: ThreadFiles;
  entry: CheckpointEntry;
}

/** A fully loaded thread's namespaces, as `selectForList` walks them. */
export function namespacesOf(threadId: string, files: ThreadFiles): ListedNamespace<ListRef>[] {
  files.ensureFull();
  return [...files.state.spaces].map(([ns, space]) => ({
    ns,
    ids: space.ids,
    lookup: (id: string) => {
      const entry = space.byId.get(id);
      return entry && { ref: { threadId, files, entry }, metadata: entry.meta };
    },
  }));
}
