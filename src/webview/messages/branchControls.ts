/**
 * Time-travel controls on a message: Edit on the user's messages, Regenerate on replies, Fork on
 * both, and the "‹ 2/3 ›" switcher where a message has other versions. DOM hooks (for tests and styling):
 *   .message-actions > button.edit-button | button.regenerate-button | button.fork-button
 *   .branch-switcher > button.branch-prev, span.branch-position ("2/3, button.branch-next
 *   .edit-box > textarea.edit-input, button.edit-save, button.edit-cancel   (replaces the body while editing)
 * Everything is built with DOM APIs and textContent: no markup from messages is ever parsed here.
 */
import { webviewMessage, type WebviewMessage } from "../../protocol/messages";
import type { ChatMessageView, WebviewStrings } from "../../protocol/types";
import { iconButton, isPlainEnter } from "../controls";

export interface MessageActions {
  edit(messageId: string, text: string): void;
  regenerate(messageId: string): void;
  switchBranch(messageId: string, index: number): void;
  fork(messageId: string): void;
  /** A reply is streaming: history actions wait (the host ignores them meanwhile too). */
  busy(): boolean;
}

/**
 * The controls' effects: each posts its request about the shown thread (`postForThread` drops it while another
 * thread opens). A re-run streams a new reply at the end, so the list follows it, as after a send; the clicked
 * "‹ ›" stays under the pointer while the message is replaced by its other version.
 */
export function branchActions(
  list: () => { scrollToBottom(): void; holdInPlace(messageId: string): void },
  postForThread: (build: (threadId: string) => WebviewMessage) => void,
  busy: () => boolean,
): MessageActions {
  return {
    edit: (messageId, text) =>
      postForThread((threadId) => (list().scrollToBottom(), webviewMessage("edit", { threadId, messageId, text }))),
    regenerate: (messageId) =>
      postForThread((threadId) => (list().scrollToBottom(), webviewMessage("regenerate", { threadId, messageId }))),
    switchBranch: (messageId, index) =>
      postForThread(
        (threadId) => (list().holdInPlace(messageId), webviewMessage("switchBranch", { threadId, messageId, index })),
      ),
    fork: (messageId) => postForThread((threadId) => webviewMessage("fork", { threadId, messageId })),
    busy,
  };
}

/** Adds the switcher and action buttons to a rendered message's header (no-op for pending/error/system). */
export function decorateMessage(
  el: HTMLElement,
  view: ChatMessageView,
  strings: WebviewStrings,
  actions: MessageActions | undefined,
): void {
  if (
    !actions ||
    view.id.startsWith("pending-") ||
    (view.role !== "user" && view.role !== "assistant" && view.role !== "tool")
  )
    return;
  const header = el.querySelector<HTMLElement>(".message-header");
  if (!header) return;
  const doc = el.ownerDocument;
  const tools = doc.createElement("span");
  tools.className = "message-tools";

  if (view.siblings && view.siblings.count > 1) {
    const { index, count } = view.siblings;
    const switcher = doc.createElement("span");
    switcher.className = "branch-switcher";
    const prev = iconButton(doc, "icon-button branch-prev", "chevron-left", strings.previousVersion);
    const position = doc.createElement("span");
    position.className = "branch-position";
    position.textContent = `${index + 1}/${count}`;
    const next = iconButton(doc, "icon-button branch-next", "chevron-right", strings.nextVersion);
    prev.disabled = index === 0;
    next.disabled = index === count - 1;
    prev.addEventListener("click", () => !actions.busy() && index > 0 && actions.switchBranch(view.id, index - 1));
    next.addEventListener(
      "click",
      () => !actions.busy() && index < count - 1 && actions.switchBranch(view.id, index + 1),
    );
    switcher.append(prev, position, next);
    tools.append(switcher);
  }

  const bar = doc.createElement("span");
  bar.className = "message-actions";
  if (view.role === "user") {
    const edit = iconButton(doc, "icon-button edit-button", "edit", strings.edit);
    edit.addEventListener("click", () => !actions.busy() && openEditor(el, view, strings, actions));
    bar.append(edit);
  }
  if (view.role === "assistant") {
    const regenerate = iconButton(doc, "icon-button regenerate-button", "refresh", strings.regenerate);
    regenerate.addEventListener("click", () => !actions.busy() && actions.regenerate(view.id));
    bar.append(regenerate);
  }
  const fork = iconButton(doc, "icon-button fork-button", "repo-forked", strings.fork);
  fork.addEventListener("click", () => !actions.busy() && actions.fork(view.id));
  bar.append(fork);
  tools.append(bar);
  header.append(tools);
}

/** Swaps the body for a textarea with the message's text; Save re-runs from before it, Cancel restores. */
function openEditor(el: HTMLElement, view: ChatMessageView, strings: WebviewStrings, actions: MessageActions): void {
  if (el.querySelector(".edit-box")) return;
  const doc = el.ownerDocument;
  const body = el.querySelector<HTMLElement>(".message-body");
  const box = doc.createElement("div");
  box.className = "edit-box";
  const input = doc.createElement("textarea");
  input.className = "edit-input";
  input.value = view.text;
  input.rows = Math.min(12, Math.max(2, view.text.split("\n").length));
  input.setAttribute("aria-label", strings.edit);
  const save = doc.createElement("button");
  save.type = "button";
  save.className = "edit-save";
  save.textContent = strings.save;
  const cancel = doc.createElement("button");
  cancel.type = "button";
  cancel.className = "edit-cancel secondary";
  cancel.textContent = strings.cancel;
  const buttons = doc.createElement("div");
  buttons.className = "edit-buttons";
  buttons.append(save, cancel);
  box.append(input, buttons);
  const close = () => {
    box.remove();
    if (body) body.hidden = false;
    el.classList.remove("editing");
  };
  const submit = () => {
    const text = input.value;
    if (!text.trim() || actions.busy()) return;
    close();
    if (text !== view.text) actions.edit(view.id, text);
  };
  save.addEventListener("click", submit);
  cancel.addEventListener("click", close);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (isPlainEnter(event)) {
      event.preventDefault();
      submit();
    }
  });
  if (body) body.hidden = true;
  el.classList.add("editing");
  (body ?? el.lastElementChild)?.after(box);
  input.focus();
}
