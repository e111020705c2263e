/**
 * A turn the chat layer refused before anything of it was stored (ChatThreads' `status: "rejected"`, or a
 * settings error found before the turn started). The chat shows `message`/`code` (those of the reason:
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
