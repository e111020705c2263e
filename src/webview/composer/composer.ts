/**
 * The composer: the text box, Send and Stop, and the inline notice above it. Enter sends (Shift+Enter breaks the
 * line), Escape stops a streaming reply. What is typed is a draft: remembered in webview state at once, and posted
 * to the host at most every DRAFT_DEBOUNCE_MS under the thread it was typed for — and at once before the view can
 * go away (blur, hide, reload), so a draft survives a reload.
 */
import { MAX_INPUT_CHARS, webviewMessage, type WebviewMessage } from "../../protocol/messages";
import type { WebviewStrings } from "../../protocol/types";
import { isPlainEnter } from "../controls";

/** Draft changes reach the host at most this often (the webview's own state is updated at once). */
const DRAFT_DEBOUNCE_MS = 300;

/** The composer's markup: the notice above it, then the form (the context chips' row, the text box, Send / Stop). */
export const COMPOSER_HTML = `<div id="composer-notice" class="composer-notice" role="alert" hidden></div>
<form id="composer-form" class="composer-form">
  <div id="context-chips" class="context-chips" hidden></div>
  <textarea id="composer" class="composer" rows="3"></textarea>
  <div class="composer-actions">
    <button type="submit" id="send-button" class="send-button"><span class="codicon codicon-send" aria-hidden="true"></span></button>
    <button type="button" id="stop-button" class="stop-button" hidden><span class="codicon codicon-debug-stop" aria-hidden="true"></span></button>
  </div>
</form>`;

/** What the composer needs of the app around it. */
export interface ComposerOwner {
  /**
   * The thread the composer types for, whether it is still opening (what is typed then waits for its snapshot),
   * and whether a reply streams.
   */
  state(): { threadId: string | undefined; switching: boolean; streaming: boolean };
  send(): void;
  /** Stops the streaming reply of the shown thread. */
  stop(): void;
  /** The text changed: the app remembers it in webview state. */
  changed(): void;
  post(message: WebviewMessage): void;
}

export class ComposerForm {
  private draftTimer: ReturnType<typeof setTimeout> | undefined;
  /** The thread the composer's unposted changes belong to (the timer may fire after another thread opened). */
  private draftOwner: string | undefined;

  readonly input: HTMLTextAreaElement;
  readonly sendButton: HTMLButtonElement;
  readonly stopButton: HTMLButtonElement;
  readonly notice: HTMLElement;

  /** Takes over the elements of COMPOSER_HTML in `doc`. */
  constructor(
    doc: Document,
    private readonly owner: ComposerOwner,
  ) {
    const form = doc.getElementById("composer-form") as HTMLFormElement;
    const input = doc.getElementById("composer") as HTMLTextAreaElement;
    const stopButton = doc.getElementById("stop-button") as HTMLButtonElement;
    this.input = input;
    this.stopButton = stopButton;
    this.sendButton = doc.getElementById("send-button") as HTMLButtonElement;
    this.notice = doc.getElementById("composer-notice")!;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      owner.send();
    });
    input.addEventListener("keydown", (event) => {
      const { threadId, switching, streaming } = owner.state();
      if (event.key === "Escape" && streaming && threadId && !switching) {
        event.preventDefault();
        owner.stop();
        return;
      }
      if (isPlainEnter(event)) {
        event.preventDefault();
        owner.send();
      }
    });
    input.addEventListener("input", () => {
      this.fit();
      this.draftChanged();
    });
    // The debounced draft must reach the host before the view can go away (reload, hide, close).
    input.addEventListener("blur", () => this.flushDraft());
    doc.defaultView?.addEventListener("pagehide", () => this.flushDraft());
    doc.addEventListener("visibilitychange", () => {
      if (doc.visibilityState === "hidden") this.flushDraft();
    });
    stopButton.addEventListener("click", () => owner.stop());
  }

  applyStrings(strings: WebviewStrings): void {
    this.input.placeholder = strings.placeholder;
    this.input.setAttribute("aria-label", strings.composerLabel);
    for (const [button, label] of [
      [this.sendButton, strings.send],
      [this.stopButton, strings.stop],
    ] as const) {
      button.title = label;
      button.setAttribute("aria-label", label);
    }
  }

  /** An inline note above the composer (undefined hides it). */
  showNotice(text: string | undefined): void {
    this.notice.textContent = text ?? "";
    this.notice.hidden = !text;
  }

  /**
   * The composer grows with its text up to its CSS max-height, then scrolls. The stylesheet does it with
   * `field-sizing: content`; a browser without it gets the same from the text's scrollHeight.
   */
  fit(): void {
    const win = this.input.ownerDocument.defaultView;
    if (!win || win.CSS?.supports?.("field-sizing", "content")) return;
    this.input.style.height = "auto";
    if (this.input.scrollHeight > 0) this.input.style.height = `${this.input.scrollHeight + 2}px`;
  }

  /** The text was sent: the composer empties, and nothing of it is posted as a draft any more. */
  clearSent(): void {
    this.input.value = "";
    if (this.draftTimer) clearTimeout(this.draftTimer);
    this.draftTimer = undefined;
    this.draftOwner = undefined;
    this.showNotice(undefined);
  }

  /** Posts the composer's unposted changes now, under the thread they were typed for. */
  flushDraft(): void {
    if (this.draftTimer) clearTimeout(this.draftTimer);
    this.draftTimer = undefined;
    const owner = this.draftOwner;
    this.draftOwner = undefined;
    if (owner) this.postDraft(owner);
  }

  /** A draft over the protocol limit would be dropped by the host's guard: the host keeps the part that fits. */
  postDraft(threadId: string): void {
    this.owner.post(webviewMessage("draft", { threadId, text: this.input.value.slice(0, MAX_INPUT_CHARS) }));
  }

  private draftChanged(): void {
    this.owner.changed();
    // While a thread opens, the text is merged into its draft when its snapshot arrives (and posted then).
    const { threadId, switching } = this.owner.state();
    if (switching || !threadId) return;
    this.draftOwner = threadId;
    if (this.draftTimer) clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => this.flushDraft(), DRAFT_DEBOUNCE_MS);
  }
}
