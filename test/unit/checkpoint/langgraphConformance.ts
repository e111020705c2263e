/**
 * LangGraph's own checkpointer conformance suite (`@langchain/langgraph-checkpoint-validation`) against a Skein
 * saver. `runLangGraphConformance("FileSaver", () => ({ saver, cleanup }))` — any saver with the
 * BaseCheckpointSaver contract can be pointed at it (MemorySaver, FileSaver, PostgresSaver…).
 */
import { validate } from "@langchain/langgraph-checkpoint-validation";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BaseCheckpointSaver } from "../../../src/checkpoint/base";

/**
 * The one test Skein's savers skip, with the reason. It expects a saver to drop the values of channels missing
 * from `newVersions`, i.e. to store a partial checkpoint that only LangGraph's blob-per-version savers can
 * reassemble; Skein's savers return every channel value they were given (the file store still writes only the
 * changed ones to disk, the PostgreSQL store each message once). LangGraph skips the same test for its own MemorySaver.
 */
const SKIPPED: Record<string, string> = {
  "should only store channel_values that have changed (based on newVersions)":
    "Skein's savers return the full checkpoint they were given (the file and PostgreSQL stores keep deltas internally); LangGraph skips this for its MemorySaver too",
};

export function runLangGraphConformance(
  name: string,
  create: () => Promise<{ saver: BaseCheckpointSaver; cleanup?: () => Promise<void> }>,
): void {
  // The suite is written against Jest-style globals; this project's vitest runs without globals.
  Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it });
  const cleanups = new Map<unknown, () => Promise<void>>();
  beforeEach((context) => {
    const reason = SKIPPED[context.task.name];
    if (reason && context.task.suite?.name !== undefined) context.skip(reason);
  });
  validate({
    checkpointerName: `skein ${name}`,
    createCheckpointer: async () => {
      const { saver, cleanup } = await create();
      if (cleanup) cleanups.set(saver, cleanup);
      // Skein's savers implement LangGraph's BaseCheckpointSaver contract structurally.
      return saver as never;
    },
    destroyCheckpointer: async (saver: unknown) => {
      await cleanups.get(saver)?.();
      cleanups.delete(saver);
    },
  });
}
