import { CheckpointError } from "./errors";
import type { CheckpointConfig } from "./types";

/** The thread a saver call addresses; every saver needs one for writes and single-thread reads. */
export function requireThreadId(config: CheckpointConfig, method: string): string {
  const threadId = config.configurable?.thread_id;
  if (typeof threadId !== "string" || threadId === "") {
    throw new CheckpointError(`${method} needs configurable.thread_id.`, "MISSING_THREAD_ID");
  }
  return threadId;
}

/** Where `putWrites` attaches a task's writes: the checkpoint its step started from, in its namespace. */
export function requireWriteTarget(config: CheckpointConfig): { threadId: string; checkpointId: string; ns: string } {
  const threadId = requireThreadId(config, "putWrites");
  const checkpointId = config.configurable?.checkpoint_id;
  if (checkpointId === undefined) {
    throw new CheckpointError(
      "putWrites needs configurable.checkpoint_id: writes belong to the checkpoint a step started from.",
      "MISSING_CHECKPOINT_ID",
    );
  }
  return { threadId, checkpointId, ns: config.configurable?.checkpoint_ns ?? "" };
}
