/**
 * The host side of the chat view, without `vscode`: which thread is open, runs and their streams, errors, drafts.
 * The view provider hands it webview messages; it answers through a `ChatPanel`. Resume-after-reload lives here:
 * the open thread and drafts are kept in a workspace-scoped key-value store (VS Code's workspaceState).
 */
import { randomUUID } from "node:crypto";
import { hostMessage, type HostMessage, type WebviewCommand } from "../../protocol/messages";
import type { ChatSnapshot, PersistedViewState, WebviewStrings } from "../../protocol/types";
import { turnStatus } from "../../chat/threadView";
import type { BranchRequest, ChatEvent, ThreadRef, ToolApprovalDecision } from "../engine/backend";
import type { ApprovalAnswer, ChatControllerOptions, ChatPanel, Run } from "./chatControllerTypes";
import { toApprovalView } from "./view/approvalView";
import { Drafts } from "./drafts";
import { readState, STATE_KEYS, writeState } from "./stateKeys";
import { toErrorView, toMessageView } from "./view/messageView";
import { ChatSync, keyOf, sameRef } from "./view/chatSync";
import { ChatViewState } from "./chatViewState";
import { realScheduler, TokenBatcher } from "./turns/tokenBatcher";
import { unsentTextOf } from "./turns/turnErrors";
import { dispatchWebviewMessage, type DispatchTarget } from "./webview/webviewDispatch";

export type { ChatControllerOptions, ChatPanel } from "./chatControllerTypes";

export class ChatController implements DispatchTarget {
  /** The open thread, the webview, runs and drafts: this controller changes them, the sync reads them. */
  private readonly view: ChatViewState;
  /** Snapshot on ready / open, then changes (chatSync.ts). */
  private readonly sync: ChatSync;
  /** Per thread: the approval answers not yet run (cards are answered in any order; each resumes in turn). */
  private readonly answering = new Map<string, Promise<void>>();

  constructor(private readonly options: ChatControllerOptions) {
    const saved = readState(options.state, STATE_KEYS.openThread);
    const open =
      saved && typeof saved.scope === "string" && typeof saved.threadId === "string"
        ? { scope: saved.scope, threadId: saved.threadId }
        : { scope: options.scope, threadId: randomUUID() };
    this.view = new ChatViewState(open, new Drafts(options.state));
    this.sync = new ChatSync(this.view, {
      backend: options.backend,
      secrets: () => options.secrets?.() ?? [],
      strings: options.strings,
      canAuthenticate: options.canAuthenticate,
      context: () => options.context?.view(),
      approvalsLearned: (ref, count) => options.approvals?.set(ref, count),
    });
  }

  private get open(): ThreadRef {
    return this.view.open;
  }

  private set open(ref: ThreadRef) {
    this.view.open = ref;
  }

  private get runs(): Map<string, Run> {
    return this.view.runs;
  }

  /** The webview's localised strings (also put into its page, for a paint before the first snapshot). */
  get strings(): WebviewStrings {
    return this.options.strings;
  }

  get openRef(): ThreadRef {
    return { ...this.open };
  }

  isStreaming(ref: ThreadRef = this.open): boolean {
    return this.runs.has(keyOf(ref));
  }

  attach(panel: ChatPanel): void {
    this.view.panel = panel;
    // The webview needs a few hundred ms to load before it says `ready`; read the open thread meanwhile.
    this.prefetch();
  }

  /** Starts loading the open thread so the `ready` snapshot finds it read (used once, then dropped). */
  prefetch(): void {
    this.sync.prefetch();
  }

  detach(panel: ChatPanel): void {
    if (this.view.panel === panel) this.view.panel = undefined;
  }

  /** Entry point for everything the webview posts (checked first; webviewDispatch.ts). */
  handleMessage(raw: unknown): Promise<void> {
    return dispatchWebviewMessage(this, raw);
  }

  async copy(text: string): Promise<void> {
    await this.options.copyToClipboard(text);
  }

  async insertCode(text: string): Promise<void> {
    await this.options.insertCode?.(text);
  }

  async openCode(text: string, language: string | undefined): Promise<void> {
    await this.options.openCode?.(text, language);
  }

  runCommand(command: WebviewCommand): void {
    this.options.runCommand(command);
  }

  notAccepted(ref: ThreadRef): void {
    this.notice(ref, this.options.strings.notAccepted);
  }

  /** Tells the open chat why something was not done, with the unsent text for the composer; then the true status. */
  private notice(ref: ThreadRef, message: string, draft?: string): void {
    if (!sameRef(this.open, ref)) return;
    this.post(hostMessage("notice", { threadId: ref.threadId, message, ...(draft ? { draft } : {}) }));
    this.postStatus(ref);
  }

  /** Edit / regenerate: the chat drops to the messages before the one re-run, then streams the new branch. */
  async branch(ref: ThreadRef, request: BranchRequest): Promise<void> {
    if (!this.options.backend.history) return;
    // A reply runs (started elsewhere just before): an edit's text goes to the composer rather than nowhere.
    if (this.runs.has(keyOf(ref)))
      return this.refuseWhileRunning(ref, request.kind === "edit" ? request.text : undefined);
    await this.run(ref, null, request);
  }

  /** Shows another version of a message; the choice is the store's head, so it survives reload. */
  async switchBranch(ref: ThreadRef, messageId: string, index: number): Promise<void> {
    const history = this.options.backend.history;
    if (!history || this.runs.has(keyOf(ref))) return;
    await this.guard(ref, () => history.switchBranch(ref, messageId, index));
    this.options.onThreadsChanged?.(ref.scope);
    // The switched message and its continuation change; what is above it stays.
    if (sameRef(this.open, ref)) await this.sync.changes(ref, this.sync.indexOf(keyOf(ref), messageId));
  }

  /** Copies the shown history up to `messageId` into a new thread and opens it. */
  async forkFrom(ref: ThreadRef, messageId: string): Promise<ThreadRef | undefined> {
    const history = this.options.backend.history;
    if (!history) return undefined;
    const threadId = await this.guard(ref, () => history.forkThread(ref, messageId));
    if (!threadId) return undefined;
    const fork = { scope: ref.scope, threadId };
    await this.openThread(fork);
    this.options.onThreadsChanged?.(ref.scope);
    return fork;
  }

  /** Opens a thread at a message (a search hit), first switching to the branch that holds it. */
  async openAt(ref: ThreadRef, messageId: string | undefined): Promise<void> {
    const history = this.options.backend.history;
    if (messageId && history && !this.runs.has(keyOf(ref)))
      await history.showMessage(ref, messageId).catch(() => undefined);
    await this.openThread(ref);
    if (messageId) this.revealMessage(messageId);
  }

  /** Runs a history operation; a failure shows inline in the chat instead of escaping. */
  private async guard<T>(ref: ThreadRef, operation: () => Promise<T>): Promise<T | undefined> {
    try {
      return await operation();
    } catch (error) {
      if (sameRef(this.open, ref))
        this.post(hostMessage("error", { threadId: ref.threadId, error: toErrorView(error) }));
      return undefined;
    }
  }

  /** The webview only knows thread ids; they belong to whatever scope is open (or this window's). */
  refFor(threadId: string): ThreadRef {
    return threadId === this.open.threadId ? { ...this.open } : { scope: this.options.scope, threadId };
  }

  async onReady(state: PersistedViewState): Promise<void> {
    const restore = state.threadId === this.open.threadId ? state : undefined;
    // The webview remembers another thread's draft (its last keystrokes may not have reached us before a reload
    // or a switch): it is newer than what we hold for that thread, so keep it there rather than drop it.
    if (!restore && state.threadId && state.draft) await this.saveDraft(this.refFor(state.threadId), state.draft);
    await this.sync.snapshot(restore);
  }

  /** Shows a thread in the chat (tree click, Open Thread, New Thread). */
  async openThread(ref: ThreadRef, options: { focus?: boolean } = {}): Promise<void> {
    this.open = { scope: ref.scope, threadId: ref.threadId };
    if (options.focus) this.sync.focusNext();
    await writeState(this.options.state, STATE_KEYS.openThread, this.open);
    this.options.onStreamingChanged?.(this.isStreaming());
    // The webview saves its draft under the thread it showed and holds Send until this thread's snapshot.
    if (this.view.attached) this.post(hostMessage("opening", { threadId: ref.threadId }));
    await this.sync.snapshot();
  }

  /**
   * Opens an empty thread in this window's scope with the cursor in the composer. A thread comes into being with
   * its first message: nothing is stored until then, and New Thread on a thread that has nothing in it yet
   * shows that one again (its draft kept) instead of leaving empty threads behind.
   */
  async newThread(): Promise<ThreadRef> {
    const current = this.open;
    const shown = this.sync.shownLength(keyOf(current));
    const reuse =
      current.scope === this.options.scope &&
      !this.runs.has(keyOf(current)) &&
      !shown &&
      !(await this.options.backend.loadThread(current))?.messages.length;
    const ref = reuse ? { ...current } : { scope: this.options.scope, threadId: randomUUID() };
    await this.openThread(ref, { focus: true });
    this.options.onThreadsChanged?.(ref.scope);
    return ref;
  }

  /** Stops the thread's run (if any) and waits until it has stopped writing — call before deleting. */
  async settle(ref: ThreadRef): Promise<void> {
    const run = this.runs.get(keyOf(ref));
    if (!run) return;
    run.abort.abort();
    await run.done?.catch(() => undefined);
  }

  /** Stops every run of a scope and waits for them (before Delete All). */
  async settleScope(scope: string): Promise<void> {
    await Promise.all([...this.runs.values()].filter((r) => r.ref.scope === scope).map((r) => this.settle(r.ref)));
  }

  /** Stops every run of this window and waits for them (before the thread store is switched). */
  async settleAll(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => this.settle(run.ref)));
  }

  /** After the thread store was switched: the open thread if the new store has it, else a new empty one. */
  async storeSwitched(): Promise<void> {
    const found = await this.options.backend.loadThread(this.open).catch(() => undefined);
    if (found) await this.sync.snapshot();
    else await this.openThread({ scope: this.options.scope, threadId: randomUUID() });
  }

  /** After a thread was deleted (anywhere): forget its run, draft and error; if it was open, start afresh. */
  async threadDeleted(ref: ThreadRef): Promise<void> {
    this.runs.get(keyOf(ref))?.abort.abort();
    this.options.approvals?.set(ref, 0);
    this.sync.setError(keyOf(ref), undefined);
    await this.saveDraft(ref, "");
    if (sameRef(this.open, ref)) await this.openThread({ scope: this.options.scope, threadId: randomUUID() });
  }

  /** After every thread of a scope was deleted. */
  async scopeCleared(scope: string): Promise<void> {
    for (const run of this.runs.values()) if (run.ref.scope === scope) run.abort.abort();
    if (this.open.scope === scope) await this.openThread({ scope: this.options.scope, threadId: randomUUID() });
  }

  /** Re-sends the open thread (e.g. after the API key changed); the webview keeps its draft and scroll. */
  async refresh(): Promise<void> {
    await this.sync.snapshot();
  }

  threadRenamed(ref: ThreadRef, title: string): void {
    if (sameRef(this.open, ref)) this.post(hostMessage("title", { threadId: ref.threadId, title }));
  }

  focusInput(): void {
    if (this.view.attached) this.post(hostMessage("focusInput", {}));
    else this.sync.focusNext();
  }

  revealMessage(messageId: string): void {
    this.post(hostMessage("revealMessage", { threadId: this.open.threadId, messageId }));
  }

  /** The snapshot the view would get for a thread now (what `ready` sends). */
  buildSnapshot(ref: ThreadRef, restore?: PersistedViewState): Promise<ChatSnapshot> {
    return this.sync.buildSnapshot(ref, restore);
  }

  async send(ref: ThreadRef, text: string): Promise<void> {
    if (!text.trim()) return;
    // One run per thread (e.g. Retry Last Turn from the palette just before Enter): keep the text, say why.
    if (this.runs.has(keyOf(ref))) return this.refuseWhileRunning(ref, text);
    await this.saveDraft(ref, "");
    // The active file and attachments, read now: the message stores them as they are at send time.
    const attachments = await this.options.context?.take().catch(() => []);
    await this.run(ref, text, undefined, undefined, attachments);
  }

  /**
   * Answers one pending tool call (Approve / Reject on its card) and runs the turn on from it. Cards may be
   * answered in any order and quickly: each answer waits for the run of the one before it.
   */
  async answer(ref: ThreadRef, interruptId: string, decision: ToolApprovalDecision): Promise<void> {
    const key = keyOf(ref);
    const previous = this.answering.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      await this.runs.get(key)?.done?.catch(() => undefined);
      await this.run(ref, null, undefined, { interruptId, decision });
    });
    const settled = next.catch(() => undefined);
    this.answering.set(key, settled);
    await next;
    if (this.answering.get(key) === settled) this.answering.delete(key);
  }

  /** "Show Diff" on an edit card: the editor's diff of the pending edit, the focus left in the chat. */
  async showDiff(ref: ThreadRef, interruptId: string): Promise<void> {
    const pending = await this.options.backend.pendingApprovals?.(ref).catch(() => []);
    const approval = pending?.find((p) => p.interruptId === interruptId);
    if (!approval || !this.options.showDiff) return;
    try {
      await this.options.showDiff(approval.request, interruptId);
    } catch (error) {
      this.notice(ref, toErrorView(error).message);
    }
  }

  removeContext(id: string): void {
    this.options.context?.remove(id);
  }

  async attachFiles(uris: readonly string[]): Promise<void> {
    await this.options.context?.attachUris(uris);
  }

  /** The composer's chips changed (active editor, an attachment): the open chat shows them. */
  postContext(): void {
    const context = this.options.context?.view();
    if (context) this.post(hostMessage("context", { context }));
  }

  async retry(ref: ThreadRef = this.open): Promise<void> {
    await this.run(ref, null);
  }

  stop(ref: ThreadRef = this.open): void {
    this.runs.get(keyOf(ref))?.abort.abort();
  }

  private async run(
    ref: ThreadRef,
    text: string | null,
    branch?: BranchRequest,
    answer?: ApprovalAnswer,
    attachments?: Run["attachments"],
  ): Promise<void> {
    const key = keyOf(ref);
    if (this.runs.has(key)) return; // one run per thread; the webview shows Stop meanwhile
    this.sync.setError(key, undefined);
    const run: Run = {
      ref,
      abort: new AbortController(),
      partial: new Map(),
      attachments,
      batcher: new TokenBatcher((messageId, chunk) => {
        if (sameRef(this.open, ref))
          this.post(hostMessage("tokens", { threadId: ref.threadId, messageId, text: chunk }));
      }, this.options.scheduler ?? realScheduler),
    };
    this.runs.set(key, run);
    this.sync.dropPrefetch(key);
    run.done = this.execute(run, text, branch, answer);
    await run.done;
  }

  private async execute(run: Run, text: string | null, branch?: BranchRequest, answer?: ApprovalAnswer): Promise<void> {
    const { ref } = run;
    const key = keyOf(ref);
    this.postStatus(ref);
    if (sameRef(this.open, ref)) this.post(hostMessage("error", { threadId: ref.threadId, error: null }));
    try {
      const options = {
        signal: run.abort.signal,
        onEvent: (event: ChatEvent) => this.onEvent(run, event),
        ...(run.attachments?.length ? { attachments: run.attachments } : {}),
      };
      // Cards go at once (an answer resumes its call; a new message answers every waiting call as rejected); the
      // store's list of what still waits comes back when the run pauses or ends.
      if (sameRef(this.open, ref)) this.post(hostMessage("approvals", { threadId: ref.threadId, approvals: [] }));
      if (answer && this.options.backend.answerApproval) {
        run.base = this.sync.shownLength(key);
        await this.options.backend.answerApproval(ref, answer.interruptId, answer.decision, options);
      } else if (branch && this.options.backend.history) {
        if (sameRef(this.open, ref)) await this.sync.prefix(ref, branch.messageId);
        run.base = this.sync.shownLength(key);
        await this.options.backend.history.runBranch(ref, branch, options);
      } else {
        run.base = this.sync.shownLength(key);
        await this.options.backend.runTurn(ref, text, options);
      }
    } catch (error) {
      const unsent = unsentTextOf(error);
      // A refused message comes back into the composer with the reason beside it (the thread never held it).
      if (unsent) await this.restoreUnsent(ref, unsent, toErrorView(error, this.options.secrets?.() ?? []).message);
      else if (!run.abort.signal.aborted) this.sync.setError(key, toErrorView(error, this.options.secrets?.() ?? []));
    } finally {
      run.batcher.flush();
      run.batcher.dispose();
      this.runs.delete(key);
      // Stop/Send flip at once; the snapshot (which reads the store) follows.
      this.postStatus(ref);
      this.options.onThreadsChanged?.(ref.scope);
      if (sameRef(this.open, ref)) {
        // The stored thread is the truth after a run (the partial reply may have been stored as interrupted, a
        // Retry may have replaced the last reply): send what changed from where the run began.
        await this.sync.changes(ref, run.base);
      }
    }
  }

  private onEvent(run: Run, event: ChatEvent): void {
    // Tool-call deltas are not shown while streaming; the stored assistant message carries the calls.
    if (event.type === "tool_call") return;
    const open = sameRef(this.open, run.ref);
    if (event.type === "tool_output") {
      if (open) this.post(hostMessage("toolOutput", { threadId: run.ref.threadId, ...pick(event) }));
      return;
    }
    if (event.type === "approvals") {
      this.options.approvals?.set(run.ref, event.approvals.length);
      if (open)
        this.post(
          hostMessage("approvals", { threadId: run.ref.threadId, approvals: event.approvals.map(toApprovalView) }),
        );
      return;
    }
    if (event.type === "token") {
      run.lastMessageId = event.messageId;
      run.partial.set(event.messageId, (run.partial.get(event.messageId) ?? "") + event.text);
      run.batcher.push(event.messageId, event.text);
      return;
    }
    run.batcher.flush();
    if (event.type === "message") {
      run.partial.delete(event.message.id);
      const view = toMessageView(event.message);
      if (open && view) {
        this.post(hostMessage("messages", { threadId: run.ref.threadId, messages: [view] }));
        this.sync.posted(keyOf(run.ref), view.id);
      }
      if (event.message.role === "user") this.options.onThreadsChanged?.(run.ref.scope);
    } else if (event.type === "title") {
      if (open) this.post(hostMessage("title", { threadId: run.ref.threadId, title: event.title }));
      this.options.onThreadsChanged?.(run.ref.scope);
    }
  }

  private postStatus(ref: ThreadRef): void {
    if (!sameRef(this.open, ref)) return;
    const run = this.runs.get(keyOf(ref));
    this.options.onStreamingChanged?.(Boolean(run));
    this.post(
      // Without a run, the stored verdict follows with the change the run's end sends (ChatSync.changes).
      hostMessage("status", { threadId: ref.threadId, ...turnStatus(undefined, run) }),
    );
    const error = this.sync.errorOf(keyOf(ref));
    if (!run && error) this.post(hostMessage("error", { threadId: ref.threadId, error }));
  }

  private async refuseWhileRunning(ref: ThreadRef, text: string | undefined): Promise<void> {
    if (text) await this.restoreUnsent(ref, text, this.options.strings.runInProgress);
    else this.notice(ref, this.options.strings.runInProgress);
  }

  /** The text goes back into the thread's draft (before anything typed since) and the open chat's composer. */
  private async restoreUnsent(ref: ThreadRef, unsent: string, message: string): Promise<void> {
    const current = this.view.drafts.get(keyOf(ref));
    await this.saveDraft(ref, current && current !== unsent ? `${unsent}\n${current}` : unsent);
    this.notice(ref, message, unsent);
  }

  async saveDraft(ref: ThreadRef, text: string): Promise<void> {
    await this.view.drafts.set(keyOf(ref), text);
  }

  private post(message: HostMessage): void {
    this.view.post(message);
  }

  dispose(): void {
    for (const run of this.runs.values()) run.abort.abort();
  }
}

/** The streamed output of a tool call, as the webview takes it. */
function pick(event: { toolCallId: string; text: string }): { toolCallId: string; text: string } {
  return { toolCallId: event.toolCallId, text: event.text };
}
