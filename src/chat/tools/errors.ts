/** Errors of the approval flow, with stable names and codes. */

export class ApprovalNotPendingError extends Error {
  override readonly name = "ApprovalNotPendingError";
  readonly code = "APPROVAL_NOT_PENDING";
  constructor(
    readonly threadId: string,
    readonly interruptId: string,
  ) {
    super(
      `This approval is no longer pending on thread ${threadId} (it was answered, or the thread moved on). ` +
        "Reload the thread to see its current state.",
    );
  }
}

export class ToolPathError extends Error {
  override readonly name = "ToolPathError";
  readonly code = "TOOL_PATH_OUTSIDE_WORKSPACE";
}
