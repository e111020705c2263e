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
  /** `holder`: who is writing, when the store knows (e.g. "VS Code on laptop-2, pid 4711", or the lock's owner). */
  readonly holder?: string;
  /** When the holder's lock expires unless renewed, when the store knows. */
  readonly expiresInMs?: number;
  constructor(
    readonly threadId: string,
    holder?: string | LockHolder,
  ) {
    const who = typeof holder === "string" ? holder : describeHolder(holder);
    super(`Thread "${threadId}" is busy: ${who ?? "another run"} is writing to it. ${wayOut(holder)}`, "THREAD_BUSY");
    if (who !== undefined) this.holder = who;
    if (typeof holder === "object" && holder.expiresInMs !== undefined) this.expiresInMs = holder.expiresInMs;
  }
}

function describeHolder(holder: LockHolder | undefined): string | undefined {
  if (holder?.pid === undefined) return undefined;
  return `another run (process ${holder.pid}${holder.host ? ` on ${holder.host}` : ""})`;
}

/** Every busy message says how to get out: wait or stop the run, and that a lock left by a closed window expires. */
function wayOut(holder: string | LockHolder | undefined): string {
  if (holder === undefined) return "Wait for it to finish or stop it first.";
  const ms = typeof holder === "object" ? holder.expiresInMs : undefined;
  const expires = ms === undefined ? "" : ` within ${Math.max(1, Math.ceil(ms / 1000))} s`;
  return `Wait for it to finish or stop it there. If that window was closed or crashed, its lock expires by itself${expires}: send again then.`;
}

/** A thread id that must not reach the file system (or any store key). */
export class InvalidThreadIdError extends CheckpointError {
  override name = "InvalidThreadIdError";
  constructor(
    readonly threadId: unknown,
    reason: string,
  ) {
    super(`Invalid thread id ${JSON.stringify(threadId)}: ${reason}`, "INVALID_THREAD_ID");
  }
}
