import { jsonEqual } from "./json";
import type { CheckpointConfig, CheckpointListOptions } from "./types";

/** LangGraph's `filter`: every given key equals the metadata's (JSON equality, see `jsonEqual`). */
export function matchesFilter(metadata: Record<string, unknown> | undefined, filter: Record<string, unknown>): boolean {
  for (const key of Object.keys(filter)) if (!jsonEqual(metadata?.[key], filter[key])) return false;
  return true;
}

/** One namespace of one thread as a saver's `list` sees it: ascending ids and how to reach each checkpoint. */
export interface ListedNamespace<R> {
  ns: string;
  ids: readonly string[];
  /** The stored checkpoint behind `id` and its metadata, or undefined when it is not there. */
  lookup(id: string): { ref: R; metadata: Record<string, unknown> | undefined } | undefined;
}

/**
 * The checkpoints `list(config, options)` yields, newest first, as the saver's own references (each saver
 * turns them into tuples only as they are yielded, so memory stays bounded): `checkpoint_ns` and
 * `checkpoint_id` of `config` narrow, `before` keeps ids below it, `filter` matches metadata, `limit` caps.
 * `threads`: the namespaces of every thread to search (one thread when config names one).
 */
export function selectForList<R>(
  config: CheckpointConfig,
  options: CheckpointListOptions,
  threads: Iterable<Iterable<ListedNamespace<R>>>,
  manyThreads: boolean,
): R[] {
  const { limit, before, filter } = options;
  const ns = config.configurable?.checkpoint_ns;
  const onlyId = config.configurable?.checkpoint_id;
  const beforeId = before?.configurable?.checkpoint_id;
  const matches: { id: string; ref: R }[] = [];
  for (const spaces of threads) {
    for (const space of spaces) {
      if (ns !== undefined && space.ns !== ns) continue;
      for (let i = space.ids.length - 1; i >= 0; i--) {
        const id = space.ids[i]!;
        if (onlyId !== undefined && id !== onlyId) continue;
        if (beforeId !== undefined && id >= beforeId) continue;
        const found = space.lookup(id);
        if (!found) continue;
        if (filter && !matchesFilter(found.metadata, filter)) continue;
        matches.push({ id, ref: found.ref });
      }
    }
  }
  // One namespace of one thread is already newest first; several are merged by id (ids are time-ordered).
  if (manyThreads || ns === undefined) matches.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const limited = limit === undefined ? matches : matches.slice(0, Math.max(0, limit));
  return limited.map((m) => m.ref);
}
