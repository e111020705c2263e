/**
 * Config defaults (`withConfig`) and running several inputs (`batch`), as LangChain runnables do.
 */
import type { RunnableConfig } from "../types";

/** `b` over `a`: `configurable` and `metadata` merge key by key, `tags` add up, anything else is replaced. */
export function mergeConfigs(a: RunnableConfig, b: RunnableConfig): RunnableConfig {
  if (Object.keys(a).length === 0) return b;
  const merged: RunnableConfig = { ...a, ...b };
  if (a.configurable || b.configurable)
    merged.configurable = { ...a.configurable, ...b.configurable } as RunnableConfig["configurable"];
  if (a.metadata || b.metadata) merged.metadata = { ...a.metadata, ...b.metadata };
  if (a.tags || b.tags) merged.tags = [...new Set([...(a.tags ?? []), ...(b.tags ?? [])])];
  return merged;
}

export interface BatchOptions {
  /** Resolve each failed input to its error instead of rejecting the whole batch. */
  returnExceptions?: boolean;
  /** At most this many runs at once (default: all). */
  maxConcurrency?: number;
}

/** Runs `run` for every input, at most `limit` at a time, results in input order. */
export async function runBatch<In, Out>(
  inputs: readonly In[],
  run: (input: In, index: number) => Promise<Out>,
  options: BatchOptions,
): Promise<(Out | Error)[]> {
  const results: (Out | Error)[] = new Array(inputs.length);
  const limit = Math.max(1, Math.min(options.maxConcurrency ?? inputs.length, inputs.length));
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < inputs.length && !failure) {
      const index = next++;
      try {
        results[index] = await run(inputs[index]!, index);
      } catch (error) {
        if (!options.returnExceptions) failure ??= { error };
        else results[index] = error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure) throw failure.error;
  return results;
}
