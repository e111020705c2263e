/**
 * One card per tool call that waits for the user: what the call would do (a unified diff for edit_file, the
 * command and its folder for run_command, the arguments otherwise) and the buttons Approve, Reject (with an
 * optional reason the model reads), Always allow where the workspace may remember it, and Show Diff. Cards are
 * answered in any order; each names its interrupt. Built with DOM APIs and textContent only.
 * DOM hooks: section.approval-card[data-interrupt-id] > pre.approval-diff | .approval-command, input.reject-reason,
 * button.approve-button | reject-button | always-button | show-diff-button.
 */
import type { ApprovalView, ToolStrings } from "../../protocol/types";
import { textButton } from "../controls";

export interface ApprovalActions {
  approve(interruptId: string, always: boolean): void;
  reject(interruptId: string, reason: string | undefined): void;
  showDiff(interruptId: string): void;
}

/** Diff lines shown in a card before "…" (Show Diff has the whole change). */
const MAX_DIFF_LINES = 400;

function diffBlock(doc: Document, diff: string): HTMLElement {
  const block = doc.createElement("pre");
  block.className = "approval-diff";
  // A patch's "Index:" and "=====" preamble says nothing the card's title does not.
  const lines = diff.split("\n").filter((line) => !line.startsWith("Index: ") && !/^={10,}$/.test(line));
  for (const line of lines.slice(0, MAX_DIFF_LINES)) {
    const span = doc.createElement("span");
    span.className =
      line.startsWith("+++") || line.startsWith("---")
        ? "diff-file"
        : line.startsWith("@@")
          ? "diff-hunk"
          : line.startsWith("+")
            ? "diff-add"
            : line.startsWith("-")
              ? "diff-del"
              : "diff-ctx";
    span.textContent = line + "\n";
    block.append(span);
  }
  if (lines.length > MAX_DIFF_LINES) block.append(doc.createTextNode("…\n"));
  return block;
}

export function approvalCard(
  doc: Document,
  approval: ApprovalView,
  strings: ToolStrings,
  actions: ApprovalActions,
): HTMLElement {
  const card = doc.createElement("section");
  card.className = "approval-card";
  card.dataset.interruptId = approval.interruptId;
  card.dataset.toolCallId = approval.toolCallId;
  card.dataset.tool = approval.name;
  const target = approval.path ?? approval.command ?? "";
  card.setAttribute("aria-label", `${strings.waitingApproval}: ${approval.name}${target ? ` ${target}` : ""}`);

  const title = doc.createElement("div");
  title.className = "approval-title";
  const name = doc.createElement("span");
  name.className = "tool-name";
  name.textContent = approval.name;
  const where = doc.createElement("span");
  where.className = "tool-target";
  where.textContent = approval.path ?? "";
  title.append(name, where);
  card.append(title);

  if (approval.diff) card.append(diffBlock(doc, approval.diff));
  else if (approval.command !== undefined) {
    const command = doc.createElement("div");
    command.className = "approval-command";
    const code = doc.createElement("code");
    code.textContent = approval.command;
    command.append(code);
    if (approval.cwd) {
      const cwd = doc.createElement("div");
      cwd.className = "approval-cwd";
      cwd.textContent = approval.cwd;
      command.append(cwd);
    }
    card.append(command);
  } else {
    const args = doc.createElement("pre");
    args.className = "tool-args";
    args.textContent = approval.args;
    card.append(args);
  }

  const reason = doc.createElement("input");
  reason.type = "text";
  reason.className = "reject-reason";
  reason.placeholder = strings.rejectReason;
  reason.setAttribute("aria-label", strings.rejectReason);
  reason.maxLength = 4000;

  const bar = doc.createElement("div");
  bar.className = "approval-actions";
  const answered = () => {
    card.classList.add("answered");
    for (const el of card.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input")) el.disabled = true;
  };
  const reject = () => {
    const text = reason.value.trim();
    answered();
    actions.reject(approval.interruptId, text || undefined);
  };
  bar.append(
    textButton(doc, "approve-button", strings.approve, () => {
      answered();
      actions.approve(approval.interruptId, false);
    }),
    textButton(doc, "reject-button", strings.reject, reject),
  );
  if (approval.canAlwaysAllow)
    bar.append(
      textButton(doc, "always-button", strings.alwaysAllow, () => {
        answered();
        actions.approve(approval.interruptId, true);
      }),
    );
  if (approval.canShowDiff)
    bar.append(textButton(doc, "show-diff-button", strings.showDiff, () => actions.showDiff(approval.interruptId)));
  reason.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      reject();
    }
  });
  card.append(reason, bar);
  return card;
}

/** The cards of a thread, in the order the calls were made. */
export function renderApprovals(
  container: HTMLElement,
  approvals: readonly ApprovalView[],
  strings: ToolStrings,
  actions: ApprovalActions,
): void {
  const doc = container.ownerDocument;
  container.replaceChildren(...approvals.map((a) => approvalCard(doc, a, strings, actions)));
  container.hidden = approvals.length === 0;
}
