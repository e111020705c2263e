/** A pending tool approval (from the thread's checkpoint) as the chat's card shows it. */
import type { PendingApproval } from "../../../chat/tools/types";
import type { ApprovalView } from "../../../protocol/types";

const MAX_ARGS_CHARS = 4_000;
/** A diff longer than this is cut in the card (Show Diff has all of it). */
const MAX_DIFF_CHARS = 200_000;

export function toApprovalView(pending: PendingApproval): ApprovalView {
  const { request } = pending;
  let args = "";
  try {
    args = JSON.stringify(request.args ?? {}, null, 2) ?? "";
  } catch {
    args = "";
  }
  const path = typeof request.args?.path === "string" ? request.args.path : undefined;
  const view: ApprovalView = {
    interruptId: pending.interruptId,
    toolCallId: request.toolCallId,
    name: request.name,
    args: args.length > MAX_ARGS_CHARS ? `${args.slice(0, MAX_ARGS_CHARS)}…` : args,
    canShowDiff: request.name === "edit_file" && typeof request.path === "string",
    canAlwaysAllow: request.name === "edit_file" || request.name === "run_command",
  };
  if (path !== undefined && request.name === "edit_file") view.path = path;
  if (typeof request.diff === "string")
    view.diff = request.diff.length > MAX_DIFF_CHARS ? `${request.diff.slice(0, MAX_DIFF_CHARS)}\n…` : request.diff;
  if (typeof request.command === "string") view.command = request.command;
  if (typeof request.cwd === "string") view.cwd = request.cwd;
  return view;
}
