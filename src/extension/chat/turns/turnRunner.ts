/**
 * The chat's turns: one run per thread, started by a send, a Retry, an edit or regenerate, or an answer to a
 * tool approval. A run's stream goes to the open chat as it comes (tokens batched), its end is synced from the
 * store, a failure shows inline and a refused message goes back into the composer. ChatController decides when a
 * turn starts; the runs live in the view's state, where the sync reads them for snapshots.
 */
import { hostMessage, type HostMessage } from "../../../protocol/messages";
import { turnStatus } from "../../../chat/threadView";
import type { BranchRequest, ChatEvent, ThreadRef, ToolApprovalDecision } from "../../engine/backend";
import type { ApprovalAnswer, ChatControllerOptions, Run } from "../chatControllerTypes";
import type { ChatViewState } from "../chatViewState";
import { toApprovalView } from "../view/approvalView";
import { keyOf, sameRef, type ChatSync } from "../view/chatSync";
import { toErrorView, toMessageView } from "../view/messageView";
import { realScheduler, TokenBatcher } from "./tokenBatcher";
import { unsentTextOf } from "./turnErrors";

export class TurnRunner {
  /** Per thread: the approval answers not yet run (cards are answered in any order; each resumes in turn). */
  private readonly answering = new Map<string, Promise<void>>();

  constructor(
    private readonly view: ChatViewState,
    private readonly sync: ChatSync,
    private readonly options: ChatControllerOptions,
  ) {}

  isRunning(ref: ThreadRef): boolean {
    return this.view.runs.has(keyOf(ref));
  }

  /** Runs one turn of a thread: a message (`text`), a Retry (`null`), a branch, or a resumed approval. */
  async run(
    ref: ThreadRef,
    text: string | null,
    branch?: BranchRequest,
    answer?: ApprovalAnswer,
    attachments?: Run["attachments"],
  ): Promise<void> {
    const key = keyOf(ref);
    if (this.view.runs.has(key)) return; // one run per thread; the webview shows Stop meanwhile
    this.sync.setError(key, undefined);
    const run: Run = {
      ref,
      abort: new AbortController(),
      partial: new Map(),
      attachments,
      batcher: new TokenBatcher((messageId, chunk) => {
        if (sameRef(this.view.open, ref))
          this.post(hostMessage("tokens", { threadId: ref.threadId, messageId, text: chunk }));
      }, this.options.scheduler ?? realScheduler),
    };
    this.view.runs.set(key, run);
    this.sync.dropPrefetch(key);
    run.done = this.execute(run, text, branch, answer);
    await run.done;
  }

  /**
   * Answers one pending tool call (Approve / Reject on its card) and runs the turn on from it. Cards may be
   * answered in any order and quickly: each answer waits for the run of the one before it.
   */
  async answer(ref: ThreadRef, interruptId: string, decision: ToolApprovalDecision): Promise<void> {
    const key = keyOf(ref);
    const previous = this.answering.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      await this.view.runs.get(key)?.done?.catch(() => undefined);
      await this.run(ref, null, undefined, { interruptId, decision });
    });
    const settled = next.catch(() => undefined);
    this.answering.set(key, settled);
    await next;
    if (this.answering.get(key) === settled) this.answering.delete(key);
  }

  stop(ref: ThreadRef): void {
    this.view.runs.get(keyOf(ref))?.abort.abort();
  }

  /** Stops every run that matches (all of them without a filter), without waiting. */
  stopWhere(matches: (ref: ThreadRef) => boolean = () => true): void {
    for (const run of this.view.runs.values()) if (matches(run.ref)) run.abort.abort();
  }

  /** Stops the thread's run (if any) and waits until it has stopped writing. */
  async settle(ref: ThreadRef): Promise<void> {
    const run = this.view.runs.get(keyOf(ref));
    if (!run) return;
    run.abort.abort();
    await run.done?.catch(() => undefined);
  }

  /** Stops every run that matches (all of them without a filter) and waits for them. */
  async settleWhere(matches: (ref: ThreadRef) => boolean = () => true): Promise<void> {
    const runs = [...this.view.runs.values()].filter((run) => matches(run.ref));
    await Promise.all(runs.map((run) => this.settle(run.ref)));
  }

  /** Tells the open chat why something was not done, with the unsent text for the composer; then the true status. */
  notice(ref: ThreadRef, message: string, draft?: string): void {
    if (!sameRef(this.view.open, ref)) return;
    this.post(hostMessage("notice", { threadId: ref.threadId, message, ...(draft ? { draft } : {}) }));
    this.postStatus(ref);
  }

  /** A turn asked for while one runs: an edit's or a message's text goes back to the composer, not nowhere. */
  async refuseWhileRunning(ref: ThreadRef, text: string | undefined): Promise<void> {
    if (text) await this.restoreUnsent(ref, text, this.options.strings.runInProgress);
    else this.notice(ref, this.options.strings.runInProgress);
  }

  private async execute(run: Run, text: string | null, branch?: BranchRequest, answer?: ApprovalAnswer): Promise<void> {
    const { ref } = run;
    const key = keyOf(ref);
    this.postStatus(ref);
    if (sameRef(this.view.open, ref)) this.post(hostMessage("error", { threadId: ref.threadId, error: null }));
    try {
      const options = {
        signal: run.abort.signal,
        onEvent: (event: ChatEvent) => this.onEvent(run, event),
        ...(run.attachments?.length ? { attachments: run.attachments } : {}),
      };
      // Cards go at once (an answer resumes its call; a new message answers every waiting call as rejected); the
      // store's list of what still waits comes back when the run pauses or ends.
      if (sameRef(this.view.open, ref)) this.post(hostMessage("approvals", { threadId: ref.threadId, approvals: [] }));
      if (answer && this.options.backend.answerApproval) {
        run.base = this.sync.shownLength(key);
        await this.options.backend.answerApproval(ref, answer.interruptId, answer.decision, options);
      } else if (branch && this.options.backend.history) {
        if (sameRef(this.view.open, ref)) await this.sync.prefix(ref, branch.messageId);
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
      this.view.runs.delete(key);
      // Stop/Send flip at once; the snapshot (which reads the store) follows.
      this.postStatus(ref);
      this.options.onThreadsChanged?.(ref.scope);
      if (sameRef(this.view.open, ref)) {
        // The stored thread is the truth after a run (the partial reply may have been stored as interrupted, a
        // Retry may have replaced the last reply): send what changed from where the run began.
        await this.sync.changes(ref, run.base);
      }
    }
  }

  private onEvent(run: Run, event: ChatEvent): void {
    // Tool-call deltas are not shown while streaming; the stored assistant message carries the calls.
    if (event.type === "tool_call") return;
    const open = sameRef(this.view.open, run.ref);
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
    if (!sameRef(this.view.open, ref)) return;
    const run = this.view.runs.get(keyOf(ref));
    this.options.onStreamingChanged?.(Boolean(run));
    this.post(
      // Without a run, the stored verdict follows with the change the run's end sends (ChatSync.changes).
      hostMessage("status", { threadId: ref.threadId, ...turnStatus(undefined, run) }),
    );
    const error = this.sync.errorOf(keyOf(ref));
    if (!run && error) this.post(hostMessage("error", { threadId: ref.threadId, error }));
  }

  /** The text goes back into the thread's draft (before anything typed since) and the open chat's composer. */
  private async restoreUnsent(ref: ThreadRef, unsent: string, message: string): Promise<void> {
    const key = keyOf(ref);
    const current = this.view.drafts.get(key);
    await this.view.drafts.set(key, current && current !== unsent ? `${unsent}\n${current}` : unsent);
    this.notice(ref, message, unsent);
  }

  private post(message: HostMessage): void {
    this.view.post(message);
  }
}

/** The streamed output of a tool call, as the webview takes it. */
function pick(event: { toolCallId: string; text: string }): { toolCallId: string; text: string } {
  return { toolCallId: event.toolCallId, text: event.text };
}
