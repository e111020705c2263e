/** What the chat shows below the messages when the last turn failed or was cut off, with the ways out. */
import type { ChatErrorView, WebviewStrings } from "../protocol/types";

/** The buttons' effects (posted to the host by the app). */
export interface NoticeActions {
  setApiKey(): void;
  retry(): void;
}

/** The Set API Key / Retry buttons. */
export function actionBar(
  doc: Document,
  strings: WebviewStrings,
  show: { setKey: boolean; retry: boolean },
  actions: NoticeActions,
): HTMLElement {
  const bar = doc.createElement("div");
  bar.className = "error-actions";
  if (show.setKey) bar.append(button(doc, "set-api-key-button", strings.setApiKey, () => actions.setApiKey()));
  if (show.retry) bar.append(button(doc, "retry-button", strings.retry, () => actions.retry()));
  return bar;
}

/** The failure of the last turn, inline after the messages, with the actions the error allows. */
export function errorBox(
  doc: Document,
  error: ChatErrorView,
  strings: WebviewStrings,
  actions: NoticeActions,
): HTMLElement {
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
export function interruptedNotice(
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

function button(doc: Document, className: string, label: string, onClick: () => void): HTMLButtonElement {
  const element = doc.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = label;
  element.addEventListener("click", onClick);
  return element;
}
