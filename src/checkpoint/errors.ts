import type { LockHolder } from "./types";

/** Errors with stable names and codes; the UI maps codes to messages. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A second run tried to write a thread that another run (or window) is writing. */
export class ThreadBusyError extends CheckpointError {
  override name = "ThreadBusyError";
  constructor(
    readonly threadId: string,
    readonly holder?: LockHolder,
  ) {
    super(`Thread "${threadId}" is busy: ${describeHolder(holder)} is writing to it. ${wayOut(holder)}`, "THREAD_BUSY");
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  if (holder?.pid === undefined) return "another run";
  return `another run (process ${holder.pid}${holder.host ? ` on ${holder.host}` : ""}, another window or this one)`;
}

function wayOut(holder: LockHolder | undefined): string {
  if (!holder) return "Wait for it to finish or stop it first.";
  const expires = holder?.expiresInMs === undefined ? "" : ` within ${Math.max(1, Math.ceil(holder.expiresInMs / 1000))} s`;
  return `Wait for it to finish or stop it there. If that window was closed or crashed, its lock expires by itself${expires}: send again then.`;
}

/** A thread id that must not reach the file system (or any store key). */
export class InvalidThreadIdError extends CheckpointError {
  override name = "InvalidThreadIdError";
  constructor(readonly threadId: unknown, reason: string) {
    super(`Invalid thread id ${JSON.stringify(threadId)}: ${reason}`, "INVALID_THREAD_ID");
  }
}
