/**
 * What surrounds a message's body in its element: the element's classes and data attributes, the header, the
 * tool calls, the interrupted note and the message actions. Built anew whenever the message changes, around a
 * body that stays where it is (a long rendered body is never moved: that costs as much as rendering it again).
 */
import type { ChatMessageView, WebviewStrings } from "../../protocol/types";
import { decorateMessage, type MessageActions } from "./branchControls";

export function dressMessage(
  el: HTMLElement,
  view: ChatMessageView,
  body: HTMLElement,
  strings: WebviewStrings,
  actions: MessageActions | undefined,
): void {
  const doc = el.ownerDocument;
  const streaming = el.classList.contains("streaming");
  el.className = `message message-${view.role}`;
  if (streaming) el.classList.add("streaming");
  if (view.interrupted) el.classList.add("interrupted");
  if (view.isError) el.classList.add("tool-error");
  if (view.id.startsWith("pending-")) el.dataset.pending = "true";
  else delete el.dataset.pending;
  el.dataset.role = view.role;
  el.dataset.messageId = view.id;
  for (const child of Array.from(el.children)) if (child !== body) child.remove();
  const header = doc.createElement("div");
  header.className = "message-header";
  const who =
    view.role === "user"
      ? strings.you
      : view.role === "assistant"
        ? strings.assistant
        : view.role === "tool"
          ? `${strings.tool}${view.toolName ? `: ${view.toolName}` : ""}`
          : strings.error;
  header.textContent = who;
  el.setAttribute("aria-label", who);
  body.before(header);
  for (const call of view.toolCalls ?? []) {
    const details = doc.createElement("details");
    details.className = "tool-call";
    const summary = doc.createElement("summary");
    summary.textContent = `${strings.toolCall}: ${call.name}`;
    const pre = doc.createElement("pre");
    pre.textContent = call.args;
    details.append(summary, pre);
    el.append(details);
  }
  if (view.interrupted) {
    const note = doc.createElement("div");
    note.className = "interrupted-note";
    note.textContent = strings.interrupted;
    el.append(note);
  }
  decorateMessage(el, view, strings, actions);
}
