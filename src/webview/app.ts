/**
 * The chat webview: message list, composer, Stop, inline errors with Retry / Set API Key. It speaks only the
 * protocol in src/protocol and keeps its own view state (thread, draft, scroll) with getState/setState so a
 * reload restores it. Element ids/classes here are the hooks the in-editor and browser tests use.
 */
import {
  isHostMessage,
  MAX_INPUT_CHARS,
  webviewMessage,
  type HostMessage,
  type WebviewMessage,
} from "../protocol/messages";
import type { ChatErrorView, ChatSnapshot, PersistedViewState, ScrollAnchor, WebviewStrings } from "../protocol/types";
import { COMPOSER_HTML, ComposerForm } from "./composer/composer";
import { format, joinDrafts } from "./composer/notices";
import { branchActions } from "./messages/branchControls";
import { MessageList } from "./messages/messageList";
import { applyTokenColors } from "./markdown/themeColors";
import { endConversation, fillEmptyState, type NoticeActions } from "./turnNotices";
import { cacheOf, readCache, readSavedState, readStrings, type CachedThread } from "./viewState";
import { WorkspaceUi } from "./workspace/workspaceUi";

export interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PersistedViewState & { cache?: CachedThread }): void;
}

export class ChatApp {
  private threadId: string | undefined;
  private strings: WebviewStrings | undefined;
  private streaming = false;
  private interrupted = false;
  private error: ChatErrorView | null = null;
  private needsApiKey = false;
  /**
   * Until the snapshot of the thread being opened arrives (and before the first one), the composer holds only
   * what was typed for that thread, and Send waits: a message must never go to a thread the user no longer sees.
   */
  private switching = true;
  /** The saved draft was over the protocol limit and was cut before `ready` (told once the strings are known). */
  private draftWasCut = false;
  private pendingSeq = 0;
  private reloadAnchor: { threadId: string; anchor: ScrollAnchor } | undefined;
  /** The list shows the thread as remembered in webview state; the host's snapshot has not arrived yet. */
  private paintedFromState = false;
  readonly list: MessageList;
  /** The text box, Send / Stop, the notice above them, and the draft. */
  private readonly form: ComposerForm;
  readonly composer: HTMLTextAreaElement;
  readonly sendButton: HTMLButtonElement;
  readonly stopButton: HTMLButtonElement;
  readonly status: HTMLElement;
  readonly notice: HTMLElement;
  readonly empty: HTMLElement;
  readonly messages: HTMLElement;
  /** Approval cards, context chips, dropped files, streamed tool output. */
  readonly workspace: WorkspaceUi;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: VsCodeApi,
  ) {
    const doc = root.ownerDocument;
    root.innerHTML = `
<div id="messages" class="messages" role="log" aria-live="polite" tabindex="0"></div>
<div id="empty-state" class="empty-state" hidden></div>
<div id="chat-status" class="chat-status" role="status" aria-live="polite"></div>
${COMPOSER_HTML}`;
    const byId = <T extends HTMLElement>(id: string) => doc.getElementById(id) as T;
    this.messages = byId("messages");
    this.empty = byId("empty-state");
    this.status = byId("chat-status");
    this.list = new MessageList(
      this.messages,
      (text) => this.post(webviewMessage("copy", { text })),
      () => this.saveState(),
      branchActions(
        () => this.list,
        (build) => this.postForThread(build),
        () => this.streaming,
      ),
    );

    this.workspace = new WorkspaceUi(
      byId("context-chips"),
      this.list,
      (build) => this.postForThread(build),
      (message) => this.post(message),
      root,
    );

    this.list.codeActions = {
      insert: (text) => this.post(webviewMessage("insertCode", { text })),
      open: (text, language) => this.post(webviewMessage("openCode", { text, ...(language ? { language } : {}) })),
    };

    this.form = new ComposerForm(doc, {
      state: () => ({ threadId: this.threadId, switching: this.switching, streaming: this.streaming }),
      send: () => this.send(),
      stop: () => this.postForThread((threadId) => webviewMessage("stop", { threadId })),
      changed: () => this.saveState(),
      post: (message) => this.post(message),
    });
    this.composer = this.form.input;
    this.sendButton = this.form.sendButton;
    this.stopButton = this.form.stopButton;
    this.notice = this.form.notice;
  }

  /** Tells the host the webview is listening, with what it remembers (thread, draft, scroll). */
  start(): void {
    const state = this.savedState();
    // Where the user was in the saved thread: applied by the first snapshot of that thread, whichever host answer
    // it is (a refresh can overtake the one answering `ready`).
    if (state.threadId && state.anchor) this.reloadAnchor = { threadId: state.threadId, anchor: state.anchor };
    // The theme's syntax colours as the host knew them when it wrote the page (later changes come as messages).
    const colors = this.root.dataset.tokenColors;
    if (colors) {
      try {
        this.receive({ type: "tokenColors", params: { colors: JSON.parse(colors) as unknown } });
      } catch {
        // not JSON: the stylesheet's colours stay
      }
    }
    this.paintRemembered(state);
    this.post(webviewMessage("ready", { state }));
  }

  /** True when the history was painted from webview state, before the host's snapshot. */
  get paintedEarly(): boolean {
    return this.paintedFromState;
  }

  /**
   * Paints the thread as this view last showed it, where the user left it, if it is the thread the host is about
   * to show (the page names it): the history is there at once after a reload. Send waits for the snapshot.
   */
  private paintRemembered(state: PersistedViewState): void {
    const cache = readCache(this.api.getState());
    const strings = readStrings(this.root.dataset.strings);
    if (!cache || !strings || cache.threadId !== state.threadId || cache.threadId !== this.root.dataset.openThread)
      return;
    const anchor = this.reloadAnchor?.anchor;
    if (anchor && !cache.messages.some((m) => m.id === anchor.messageId)) return;
    this.threadId = cache.threadId;
    this.strings = strings;
    this.applyStrings(strings);
    this.list.reset(cache.messages, strings);
    if (!anchor || !this.list.restoreAnchor(anchor.messageId, anchor.offset)) this.list.scrollToBottom();
    // From here the list's own anchor is where the user looks (they may scroll before the snapshot arrives).
    this.reloadAnchor = undefined;
    this.composer.value = state.draft ?? "";
    this.paintedFromState = true;
    this.refreshChrome();
  }

  /** Entry point for host messages; anything malformed is dropped. */
  receive(data: unknown): void {
    if (!isHostMessage(data)) return;
    const message: HostMessage = data;
    switch (message.type) {
      case "snapshot":
        return this.applySnapshot(message.params);
      case "messages":
        if (message.params.threadId !== this.threadId) return;
        if (message.params.messages.some((m) => m.role === "user")) this.list.removePending();
        this.list.upsert(message.params.messages);
        this.refreshChrome();
        return this.saveState(); // remembered for the next load
      case "replaceTail":
        if (message.params.threadId !== this.threadId) return;
        // Out of step with the host (it never happens in order, but a lost message must not leave a wrong list).
        if (!this.list.replaceTail(message.params.afterId, message.params.messages))
          return this.post(webviewMessage("ready", { state: this.savedState() }));
        this.refreshChrome();
        return this.saveState();
      case "tokens": {
        if (message.params.threadId !== this.threadId) return;
        const first = !this.list.has(message.params.messageId);
        this.list.appendText(message.params.messageId, message.params.text);
        if (!first) return; // the list renders the new text on the next frame; nothing else changed
        this.list.setStreaming(message.params.messageId);
        return this.refreshChrome();
      }
      case "status":
        if (message.params.threadId !== this.threadId) return;
        this.streaming = message.params.streaming !== null;
        this.interrupted = message.params.interrupted;
        this.list.setStreaming(message.params.streaming?.messageId);
        return this.refreshChrome();
      case "error":
        if (message.params.threadId !== this.threadId) return;
        this.error = message.params.error;
        if (this.error) this.list.removePending();
        return this.refreshChrome();
      case "title":
        return;
      case "focusInput":
        this.composer.focus();
        return;
      case "opening":
        return this.beginSwitch(message.params.threadId);
      case "notice":
        if (message.params.threadId !== this.threadId) return;
        return this.applyNotice(message.params.message, message.params.draft);
      case "approvals":
        if (message.params.threadId !== this.threadId) return;
        this.workspace.setApprovals(message.params.approvals);
        return this.refreshChrome();
      case "toolOutput":
        if (message.params.threadId === this.threadId)
          this.list.appendToolOutput(message.params.toolCallId, message.params.text);
        return;
      case "context":
        return this.workspace.setContext(message.params.context);
      case "tokenColors":
        return applyTokenColors(this.root.ownerDocument, message.params.colors);
      case "revealMessage":
        if (message.params.threadId === this.threadId) this.list.reveal(message.params.messageId);
        return;
    }
  }

  /** Another thread opens: the draft so far is the old thread's (posted now); what is typed next is the new one's. */
  private beginSwitch(threadId: string): void {
    if (threadId === this.threadId) return;
    // Already between threads (a second switch, or before the first snapshot): what was typed goes along.
    if (!this.switching) {
      this.form.flushDraft();
      this.composer.value = "";
    }
    this.threadId = threadId;
    this.switching = true;
    this.form.showNotice(undefined);
    this.saveState();
    this.refreshChrome();
  }

  private applySnapshot(snapshot: ChatSnapshot): void {
    const sameThread = snapshot.threadId === this.threadId && !this.switching;
    const wasSwitching = this.switching;
    // An unannounced switch (no `opening`): the composer still holds the old thread's draft; post it under that id.
    if (!sameThread && !wasSwitching) this.form.flushDraft();
    // The same thread again keeps where the user looks; another thread shows its newest message, unless this is
    // the thread the view was saved with (a reload): then the saved message and offset.
    const reload = this.reloadAnchor?.threadId === snapshot.threadId ? this.reloadAnchor.anchor : undefined;
    this.reloadAnchor = undefined;
    // The remembered history of this thread is on screen: the snapshot replaces it where the user looks now.
    const fromState = this.paintedFromState && snapshot.threadId === this.threadId;
    this.paintedFromState = false;
    const anchor = reload ?? (sameThread || fromState ? this.list.keeper.saved().anchor : snapshot.anchor);
    this.threadId = snapshot.threadId;
    this.strings = snapshot.strings;
    this.streaming = snapshot.streaming !== null;
    this.interrupted = snapshot.interrupted;
    this.error = snapshot.error;
    this.needsApiKey = snapshot.needsApiKey === true;
    this.applyStrings(snapshot.strings);
    this.list.reset(snapshot.messages, snapshot.strings);
    this.list.setStreaming(snapshot.streaming?.messageId);
    this.workspace.applySnapshot(snapshot.strings, snapshot.approvals ?? [], snapshot.context);
    // The composer is the user's: a refresh of the same thread never overwrites what they are typing, and what
    // was typed while the thread opened joins its stored draft (kept whole, posted as that thread's draft).
    this.switching = false;
    if (!sameThread) {
      const typed = this.composer.value;
      // Painted from state, the composer began with the remembered draft (the snapshot's too): what it holds now
      // is that draft and anything typed since.
      this.composer.value =
        fromState && typed.startsWith(snapshot.draft) ? typed : joinDrafts(snapshot.draft, wasSwitching ? typed : "");
      if (this.composer.value !== snapshot.draft) this.form.postDraft(snapshot.threadId);
      this.form.showNotice(undefined);
    }
    if (!anchor || !this.list.restoreAnchor(anchor.messageId, anchor.offset)) this.list.scrollToBottom();
    this.refreshChrome();
    this.saveState();
    if (snapshot.focus) this.composer.focus();
    if (this.draftWasCut) {
      this.draftWasCut = false;
      this.form.showNotice(format(snapshot.strings.draftCut, MAX_INPUT_CHARS));
    }
  }

  /** The host did not do what was asked (e.g. a reply still runs): say so, and put the unsent text back. */
  private applyNotice(message: string, draft: string | undefined): void {
    this.list.removePending();
    if (draft) {
      this.composer.value = joinDrafts(draft, this.composer.value);
      this.form.postDraft(this.threadId!);
      this.saveState();
    }
    this.form.showNotice(message);
    this.refreshChrome();
  }

  private applyStrings(strings: WebviewStrings): void {
    this.form.applyStrings(strings);
    this.messages.setAttribute("aria-label", strings.messagesLabel);
  }

  /** Stop vs Send, the empty state, the error/interrupted banner at the end of the list. */
  private refreshChrome(): void {
    this.form.fit();
    this.sendButton.disabled = this.switching;
    this.root.classList.toggle("is-opening", this.switching);
    const strings = this.strings;
    if (!strings) return;
    this.stopButton.hidden = !this.streaming;
    this.sendButton.hidden = this.streaming;
    this.root.classList.toggle("is-streaming", this.streaming);
    this.empty.hidden = this.list.count > 0 || this.streaming || this.error !== null;
    fillEmptyState(this.empty, strings, this.needsApiKey, this.noticeActions);
    this.status.textContent = this.switching
      ? strings.opening
      : this.streaming && !this.root.querySelector(".message.streaming")
        ? "…"
        : "";
    this.status.classList.toggle("thinking", this.status.textContent !== "");

    // Pending approvals are the end of the conversation until they are answered.
    const { error, interrupted, streaming } = this;
    const turn = { error, interrupted, streaming, approvalsWaiting: this.workspace.pendingCount > 0 };
    endConversation(this.messages, turn, strings, this.noticeActions, this.workspace.approvalsEl);
    // The notice is part of what the user looks at when pinned (a reply that failed or was cut off, and Retry).
    this.list.keeper.apply();
  }

  private readonly noticeActions: NoticeActions = {
    setApiKey: () => this.post(webviewMessage("command", { command: "setApiKey" })),
    retry: () => this.postForThread((threadId) => webviewMessage("retry", { threadId })),
  };

  send(): void {
    const text = this.composer.value;
    if (!text.trim() || !this.threadId || this.streaming) return;
    // The text stays in the composer in both cases: nothing is sent that the user cannot see arrive.
    const strings = this.strings;
    if (this.switching) return this.form.showNotice(strings?.opening);
    if (text.length > MAX_INPUT_CHARS)
      return this.form.showNotice(strings && format(strings.tooLong, text.length, MAX_INPUT_CHARS));
    this.post(webviewMessage("send", { threadId: this.threadId, text }));
    this.form.clearSent();
    this.error = null;
    this.interrupted = false;
    // Optimistic: the message shows at once; the host's stored copy replaces it.
    this.list.upsert([{ id: `pending-${++this.pendingSeq}`, role: "user", text }]);
    this.list.scrollToBottom();
    this.streaming = true;
    this.refreshChrome();
    this.saveState();
  }

  private savedState(): PersistedViewState {
    const { state, draftWasCut } = readSavedState(this.api.getState());
    if (draftWasCut) this.draftWasCut = true;
    return state;
  }

  private saveState(): void {
    if (!this.threadId) return;
    const where = this.list.keeper.saved();
    // While another thread opens, the list still shows the old one: nothing of it is remembered for the new one.
    const cache =
      this.switching && !this.paintedFromState
        ? undefined
        : cacheOf(this.threadId, this.list.views(), where.anchor?.messageId);
    this.api.setState({ threadId: this.threadId, draft: this.composer.value, ...where, ...(cache ? { cache } : {}) });
  }

  /**
   * Requests about the shown thread (Stop, Retry, time travel). While another thread opens, the list still shows
   * the old one but `threadId` names the new one: a click then would act on a thread the user is not looking at.
   */
  private postForThread(build: (threadId: string) => WebviewMessage): void {
    if (this.threadId && !this.switching) this.post(build(this.threadId));
  }

  private post(message: WebviewMessage): void {
    this.api.postMessage(message);
  }
}
