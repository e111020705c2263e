/**
 * The host side of the chat view, without `vscode`, and its one owner: which thread is open, its turns (runs,
 * Stop, errors; turns/turnRunner.ts) and keeping the webview in step (snapshot, changes, the read ahead;
 * view/chatSync.ts). The view provider hands it webview messages (panel/webviewDispatch.ts); it answers through a
 * `ChatPanel`. Resume-after-reload lives here: the open thread and drafts are kept in a workspace-scoped
 * key-value store (VS Code's workspaceState).
 */
import { randomUUID } from "node:crypto";
import { hostMessage, type HostMessage, type WebviewCommand } from "../../protocol/messages";
import type { ChatSnapshot, PersistedViewState, WebviewStrings } from "../../protocol/types";
import type { BranchRequest, ThreadRef, ToolApprovalDecision } from "../engine/backend";
import type { ChatControllerOptions, ChatPanel } from "./chatControllerTypes";
import { Drafts } from "./drafts";
import { readState, STATE_KEYS, writeState } from "./stateKeys";
import { toErrorView } from "./view/messageView";
import { ChatSync, keyOf, sameRef } from "./view/chatSync";
import { ChatViewState } from "./chatViewState";
import { TurnRunner } from "./turns/turnRunner";
import { dispatchWebviewMessage, type DispatchTarget } from "./panel/webviewDispatch";

export type { ChatControllerOptions, ChatPanel } from "./chatControllerTypes";

export class ChatController implements DispatchTarget {
  /** The open thread, the webview, runs and drafts: changed here and by the turns, read by the sync. */
  private readonly view: ChatViewState;
  /** Snapshot on ready / open, then changes (view/chatSync.ts). */
  private readonly sync: ChatSync;
  /** Runs, Stop, a run's stream and end, refused turns (turns/turnRunner.ts). */
  private readonly turns: TurnRunner;

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
    this.turns = new TurnRunner(this.view, this.sync, options);
  }

  private get open(): ThreadRef {
    return this.view.open;
  }

  private set open(ref: ThreadRef) {
    this.view.open = ref;
  }

  /** The webview's localised strings (also put into its page, for a paint before the first snapshot). */
  get strings(): WebviewStrings {
    return this.options.strings;
  }

  get openRef(): ThreadRef {
    return { ...this.open };
  }

  isStreaming(ref: ThreadRef = this.open): boolean {
    return this.turns.isRunning(ref);
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
    this.turns.notice(ref, this.options.strings.notAccepted);
  }

  /** Edit / regenerate: the chat drops to the messages before the one re-run, then streams the new branch. */
  async branch(ref: ThreadRef, request: BranchRequest): Promise<void> {
    if (!this.options.backend.history) return;
    // A reply runs (started elsewhere just before): an edit's text goes to the composer rather than nowhere.
    if (this.turns.isRunning(ref))
      return this.turns.refuseWhileRunning(ref, request.kind === "edit" ? request.text : undefined);
    await this.turns.run(ref, null, request);
  }

  /** Shows another version of a message; the choice is the store's head, so it survives reload. */
  async switchBranch(ref: ThreadRef, messageId: string, index: number): Promise<void> {
    const history = this.options.backend.history;
    if (!history || this.turns.isRunning(ref)) return;
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
    if (messageId && history && !this.turns.isRunning(ref))
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
      !this.turns.isRunning(current) &&
      !shown &&
      !(await this.options.backend.loadThread(current))?.messages.length;
    const ref = reuse ? { ...current } : { scope: this.options.scope, threadId: randomUUID() };
    await this.openThread(ref, { focus: true });
    this.options.onThreadsChanged?.(ref.scope);
    return ref;
  }

  /** Stops the thread's run (if any) and waits until it has stopped writing — call before deleting. */
  async settle(ref: ThreadRef): Promise<void> {
    await this.turns.settle(ref);
  }

  /** Stops every run of a scope and waits for them (before Delete All). */
  async settleScope(scope: string): Promise<void> {
    await this.turns.settleWhere((ref) => ref.scope === scope);
  }

  /** Stops every run of this window and waits for them (before the thread store is switched). */
  async settleAll(): Promise<void> {
    await this.turns.settleWhere();
  }

  /** After the thread store was switched: the open thread if the new store has it, else a new empty one. */
  async storeSwitched(): Promise<void> {
    const found = await this.options.backend.loadThread(this.open).catch(() => undefined);
    if (found) await this.sync.snapshot();
    else await this.openThread({ scope: this.options.scope, threadId: randomUUID() });
  }

  /** After a thread was deleted (anywhere): forget its run, draft and error; if it was open, start afresh. */
  async threadDeleted(ref: ThreadRef): Promise<void> {
    this.turns.stop(ref);
    this.options.approvals?.set(ref, 0);
    this.sync.setError(keyOf(ref), undefined);
    await this.saveDraft(ref, "");
    if (sameRef(this.open, ref)) await this.openThread({ scope: this.options.scope, threadId: randomUUID() });
  }

  /** After every thread of a scope was deleted. */
  async scopeCleared(scope: string): Promise<void> {
    this.turns.stopWhere((ref) => ref.scope === scope);
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
    if (this.turns.isRunning(ref)) return this.turns.refuseWhileRunning(ref, text);
    await this.saveDraft(ref, "");
    // The active file and attachments, read now: the message stores them as they are at send time.
    const attachments = await this.options.context?.take().catch(() => []);
    await this.turns.run(ref, text, undefined, undefined, attachments);
  }

  /** Approve / Reject on a card: the turn runs on from that call (answers queue per thread). */
  async answer(ref: ThreadRef, interruptId: string, decision: ToolApprovalDecision): Promise<void> {
    await this.turns.answer(ref, interruptId, decision);
  }

  /** "Show Diff" on an edit card: the editor's diff of the pending edit, the focus left in the chat. */
  async showDiff(ref: ThreadRef, interruptId: string): Promise<void> {
    const pending = await this.options.backend.pendingApprovals?.(ref).catch(() => []);
    const approval = pending?.find((p) => p.interruptId === interruptId);
    if (!approval || !this.options.showDiff) return;
    try {
      await this.options.showDiff(approval.request, interruptId);
    } catch (error) {
      this.turns.notice(ref, toErrorView(error).message);
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
    await this.turns.run(ref, null);
  }

  stop(ref: ThreadRef = this.open): void {
    this.turns.stop(ref);
  }

  async saveDraft(ref: ThreadRef, text: string): Promise<void> {
    await this.view.drafts.set(keyOf(ref), text);
  }

  private post(message: HostMessage): void {
    this.view.post(message);
  }

  dispose(): void {
    this.turns.stopWhere();
  }
}
