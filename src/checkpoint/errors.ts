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
  /** `holder`: who is writing, when the store knows (e.g. "VS Code on laptop-2, pid 4711"). */
  constructor(
    readonly threadId: string,
    readonly holder?: string,
  ) {
    super(
      `Thread "${threadId}" is busy: ${holder ? `${holder} is writing to it` : "another run is writing to it"}. Wait for it to finish or stop it first.`,
      "THREAD_BUSY",
    );
  }
}

/** A thread id that must not reach the file system (or any store key). */
export class InvalidThreadIdError extends CheckpointError {
  override name = "InvalidThreadIdError";
  constructor(readonly threadId: unknown, reason: string) {
    super(`Invalid thread id ${JSON.stringify(threadId)}: ${reason}`, "INVALID_THREAD_ID");
  }
}
