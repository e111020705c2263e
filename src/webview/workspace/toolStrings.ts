/** The tool rows', cards' and chips' strings: the host's localised ones, or English when a snapshot lacks them. */
import type { ToolStrings, WebviewStrings } from "../../protocol/types";

export const ENGLISH_TOOL_STRINGS: ToolStrings = {
  approve: "Approve",
  reject: "Reject",
  alwaysAllow: "Always allow",
  showDiff: "Show Diff",
  rejectReason: "Reason for rejecting (optional, the model sees it)",
  waitingApproval: "Waiting for your approval",
  toolRunning: "running…",
  toolStatus: {
    ok: "done",
    error: "failed",
    rejected: "rejected",
    stopped: "stopped",
    timed_out: "timed out",
    abandoned: "abandoned",
  },
  removeChip: "Remove {0}",
  activeFileChip: "Current file: {0}",
  attachedContext: "Attached context",
};

export function toolStrings(strings: WebviewStrings | undefined): ToolStrings {
  return { ...ENGLISH_TOOL_STRINGS, ...strings?.tools };
}
