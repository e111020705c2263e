/** Reading the pending approvals out of a thread's state (they are `interrupt()`s of its `tools` tasks). */
import type { Interrupt } from "../../graph/types";
import type { PendingApproval, ToolApprovalDecision, ToolApprovalRequest } from "./types";

interface SnapshotTaskLike {
  interrupts: readonly Interrupt[];
  /** Set once the task finished (its answered interrupt is history, not pending). */
  result?: unknown;
}

export function isApprovalRequest(value: unknown): value is ToolApprovalRequest {
  const v = value as Partial<ToolApprovalRequest> | null;
  return typeof v === "object" && v !== null && v.kind === "tool_approval" && typeof v.toolCallId === "string";
}

/** The approvals a thread waits for, in the order of the tool calls. */
export function pendingApprovalsOf(tasks: readonly SnapshotTaskLike[]): PendingApproval[] {
  const out: PendingApproval[] = [];
  for (const task of tasks) {
    if (task.result !== undefined) continue;
    for (const found of task.interrupts)
      if (isApprovalRequest(found.value)) out.push({ interruptId: found.id, request: found.value });
  }
  return out;
}

/** Checks an answer from the view before it is stored as a resume value. */
export function checkDecision(decision: unknown): ToolApprovalDecision {
  const d = decision as { approved?: unknown; always?: unknown; reason?: unknown } | null;
  if (typeof d !== "object" || d === null || typeof d.approved !== "boolean")
    throw new TypeError("An approval answer is { approved: true, always? } or { approved: false, reason? }.");
  if (d.approved) return d.always === true ? { approved: true, always: true } : { approved: true };
  const reason = typeof d.reason === "string" && d.reason.trim() ? d.reason.trim().slice(0, 2000) : undefined;
  return reason ? { approved: false, reason } : { approved: false };
}
