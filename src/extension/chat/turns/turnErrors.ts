/**
 * A turn the thread service refused before anything of it was stored (`status: "rejected"`: another window
 * holds the thread, the store failed first, or the settings refuse turns). The chat shows `message`/`code` (those of the reason:
 * THREAD_BUSY, INVALID_SETTING, a store error…) and puts `unsentText` back into the draft — the thread does
 * not hold that message, so there is nothing to Retry.
 */
export class TurnRejectedError extends Error {
  override readonly name = "TurnRejectedError";
  /** The reason's stable code when it has one (THREAD_BUSY, INVALID_SETTING, ENOSPC…), else TURN_REJECTED. */
  readonly code: string;

  constructor(
    readonly reason: Error,
    /** The text of the message that was not stored (undefined for a Retry, which sends none). */
    readonly unsentText: string | undefined,
  ) {
    super(reason.message, { cause: reason });
    const code = (reason as { code?: unknown }).code;
    this.code = typeof code === "string" && code ? code : "TURN_REJECTED";
  }
}

/** The text of a message a turn refused before storing it, to put back into the composer. */
export function unsentTextOf(error: unknown): string | undefined {
  return error instanceof TurnRejectedError && error.unsentText ? error.unsentText : undefined;
}
