/**
 * What the chat shows for the state of the last turn, with the ways out: below the messages when it failed or was
 * cut off, and in the empty state when no key is set yet.
 */
import type { ChatErrorView, WebviewStrings } from "../protocol/types";
import { textButton } from "./controls";

/** The buttons' effects (posted to the host by the app). */
export interface NoticeActions {
  setApiKey(): void;
  retry(): void;
}

/** The Set API Key / Retry buttons. */
function actionBar(
  doc: Document,
  strings: WebviewStrings,
  show: { setKey: boolean; retry: boolean },
  actions: NoticeActions,
): HTMLElement {
  const bar = doc.createElement("div");
  bar.className = "error-actions";
  if (show.setKey) bar.append(textButton(doc, "set-api-key-button", strings.setApiKey, () => actions.setApiKey()));
  if (show.retry) bar.append(textButton(doc, "retry-button", strings.retry, () => actions.retry()));
  return bar;
}

/** The failure of the last turn, inline after the messages, with the actions the error allows. */
function errorBox(doc: Document, error: ChatErrorView, strings: WebviewStrings, actions: NoticeActions): HTMLElement {
  const box = doc.createElement("div");
  box.id = "chat-error";
  box.className = "message message-error";
  box.dataset.role = "error";
  box.dataset.errorCode = error.code;
  box.setAttribute("role", "alert");
  const text = doc.createElement("div");
  text.className = "message-body error-text";
  text.textContent = error.message;
  box.append(
    text,
    actionBar(
      doc,
      strings,
      { setKey: error.actions.includes("setApiKey"), retry: error.actions.includes("retry") },
      actions,
    ),
  );
  return box;
}

/** The last turn did not finish: Retry, with the reason unless the cut-off reply already says so on itself. */
function interruptedNotice(
  doc: Document,
  strings: WebviewStrings,
  withText: boolean,
  actions: NoticeActions,
): HTMLElement {
  const box = doc.createElement("div");
  box.id = "interrupted-notice";
  box.className = "interrupted-notice";
  box.dataset.role = "interrupted";
  if (withText) {
    const text = doc.createElement("span");
    text.textContent = strings.interrupted;
    box.append(text);
  }
  box.append(actionBar(doc, strings, { setKey: false, retry: true }, actions));
  return box;
}

/** The empty thread's text; without a key, a note and the fix, before the first message fails. */
export function fillEmptyState(
  empty: HTMLElement,
  strings: WebviewStrings,
  needsApiKey: boolean,
  actions: NoticeActions,
): void {
  empty.replaceChildren(strings.emptyThread);
  if (!needsApiKey) return;
  const doc = empty.ownerDocument;
  const note = doc.createElement("p");
  note.className = "key-note";
  note.textContent = strings.needsApiKey;
  empty.append(note, actionBar(doc, strings, { setKey: true, retry: false }, actions));
}

/**
 * Ends the conversation with the last turn's failure or its interrupted notice (neither while a reply streams,
 * nor the notice while approvals wait), then `last`, which stays at the very end (the pending approval cards).
 */
export function endConversation(
  messages: HTMLElement,
  turn: { error: ChatErrorView | null; interrupted: boolean; streaming: boolean; approvalsWaiting: boolean },
  strings: WebviewStrings,
  actions: NoticeActions,
  last: HTMLElement,
): void {
  const doc = messages.ownerDocument;
  messages.querySelector("#chat-error")?.remove();
  messages.querySelector("#interrupted-notice")?.remove();
  last.remove();
  if (turn.error && !turn.streaming) messages.append(errorBox(doc, turn.error, strings, actions));
  else if (turn.interrupted && !turn.streaming && !turn.approvalsWaiting) {
    // The cut-off reply already says so on itself; then the notice is just the way to retry.
    const withText = !messages.lastElementChild?.classList.contains("interrupted");
    messages.append(interruptedNotice(doc, strings, withText, actions));
  }
  messages.append(last);
}
