/**
 * Keeps the chat webview in step with the open thread: a snapshot on `ready` and when another thread opens,
 * then only changes — after a run or a branch switch, "after message X the list is now …" (replaceTail) with
 * the store's version of the messages the operation touched, never the whole thread again.
 */
import { hostMessage } from "../../../protocol/messages";
import type {
  ChatErrorView,
  ChatSnapshot,
  ComposerContextView,
  PersistedViewState,
  WebviewStrings,
} from "../../../protocol/types";
import { toApprovalView } from "./approvalView";
import { turnStatus } from "../../../chat/threadView";
import type { ChatBackend, LoadedThread, ThreadRef } from "../../engine/backend";
import { toErrorView } from "./messageView";
import type { ChatViewState } from "../chatViewState";
import { ShownList, tailChange } from "./shownList";
import { composeSnapshot, PrefetchSlot } from "./snapshot";

export const keyOf = (ref: ThreadRef) => `${ref.scope}/${ref.threadId}`;
export const sameRef = (a: ThreadRef | undefined, b: ThreadRef) =>
  a !== undefined && a.scope === b.scope && a.threadId === b.threadId;

/** What the sync needs besides the view's state: the threads, the view's strings, the secrets to hide. */
export interface SyncDeps {
  readonly backend: ChatBackend;
  readonly strings: WebviewStrings;
  secrets(): readonly string[];
  /** Whether turns can authenticate (a key, or a base URL that may not need one). */
  canAuthenticate?(): Promise<boolean>;
  /** The composer's context chips (sent with every snapshot). */
  context?(): ComposerContextView | undefined;
  /** How many tool calls a thread was found waiting for (tree marks, view badge). */
  approvalsLearned?(ref: ThreadRef, count: number): void;
}

export class ChatSync {
  /** Bumped per snapshot/change so a slow read for a thread the user already left (or a stale one) is dropped. */
  private seq = 0;
  /** The open thread's messages as the webview holds them (store-confirmed ids). */
  private readonly shown = new ShownList();
  /** Failures shown per thread (a failed run or load) until the next run of that thread. */
  private readonly errors = new Map<string, ChatErrorView>();
  /** The open thread read ahead while the webview loads, so the `ready` snapshot finds it read. */
  private readonly prefetched = new PrefetchSlot<LoadedThread | undefined>();
  private focusOnNextSnapshot = false;

  constructor(
    private readonly view: ChatViewState,
    private readonly deps: SyncDeps,
  ) {}

  errorOf(key: string): ChatErrorView | undefined {
    return this.errors.get(key);
  }

  setError(key: string, error: ChatErrorView | undefined): void {
    if (error) this.errors.set(key, error);
    else this.errors.delete(key);
  }

  /** The next snapshot puts the cursor in the composer (New Thread). */
  focusNext(): void {
    this.focusOnNextSnapshot = true;
  }

  /** Starts reading the open thread (used once by the next snapshot, then dropped). */
  prefetch(): void {
    const ref = { ...this.view.open };
    const key = keyOf(ref);
    if (this.prefetched.has(key) || this.view.runs.get(key)) return;
    this.prefetched.put(key, this.deps.backend.loadThread(ref));
  }

  /** A run began: what was read ahead no longer holds. */
  dropPrefetch(key: string): void {
    this.prefetched.drop(key);
  }

  async buildSnapshot(ref: ThreadRef, restore?: PersistedViewState): Promise<ChatSnapshot> {
    const key = keyOf(ref);
    const prefetched = this.prefetched.take(key);
    const load = prefetched && !this.view.runs.get(key) ? prefetched : this.deps.backend.loadThread(ref);
    const loaded = await load.catch((error: unknown) => {
      this.errors.set(key, toErrorView(error));
      return undefined;
    });
    const canAuthenticate = this.deps.canAuthenticate;
    const needsApiKey = canAuthenticate ? !(await canAuthenticate().catch(() => true)) : false;
    const focus = this.focusOnNextSnapshot;
    this.focusOnNextSnapshot = false;
    if (loaded && !this.view.runs.get(key)) this.deps.approvalsLearned?.(ref, loaded.pendingApprovals?.length ?? 0);
    return composeSnapshot({
      threadId: ref.threadId,
      loaded,
      run: this.view.runs.get(key),
      error: this.errors.get(key),
      secrets: this.deps.secrets(),
      draft: this.view.drafts.get(key) ?? "",
      restore,
      strings: this.deps.strings,
      focus,
      needsApiKey,
      context: this.deps.context?.(),
    });
  }

  /** How many confirmed messages the webview shows of a thread (undefined: it shows another). */
  shownLength(key: string): number | undefined {
    return this.shown.idsFor(key)?.length;
  }

  indexOf(key: string, messageId: string): number {
    return this.shown.indexOf(key, messageId);
  }

  /** A `messages` upsert was posted for the open thread. */
  posted(key: string, messageId: string): void {
    this.shown.upsert(key, messageId);
  }

  async snapshot(restore?: PersistedViewState): Promise<void> {
    if (!this.view.attached) return;
    const seq = ++this.seq;
    const ref = { ...this.view.open };
    const snapshot = await this.buildSnapshot(ref, restore);
    if (seq !== this.seq || !sameRef(this.view.open, ref)) return;
    const run = this.view.runs.get(keyOf(ref));
    // Tokens still batched are already in the snapshot's partial reply: post them before it, not after (twice).
    run?.batcher.flush();
    this.view.post(hostMessage("snapshot", snapshot));
    const partial = run?.partial;
    this.shown.reset(
      keyOf(ref),
      snapshot.messages.filter((m) => !partial?.has(m.id)).map((m) => m.id),
    );
    if (snapshot.messages.length > 0 && !snapshot.messages.some((m) => m.siblings)) this.probeAfterPaint(ref, seq);
  }

  /** A thread loaded without "‹ 2/3 ›" may have forks the catalog does not mark; look once it has painted. */
  private probeAfterPaint(ref: ThreadRef, seq: number): void {
    const backend = this.deps.backend;
    if (!backend.probeBranches) return;
    const probe = backend.probeBranches.bind(backend);
    // On a later turn of the event loop: the probe reads every checkpoint, and nothing of it may hold up the
    // snapshot's delivery or the `ready` that asked for it.
    setTimeout(() => {
      probe(ref)
        .then((found) => {
          if (found && seq === this.seq && sameRef(this.view.open, ref) && !this.view.runs.get(keyOf(ref)))
            return this.snapshot();
        })
        .catch(() => undefined);
    }, 0);
  }

  /**
   * After a run or a branch switch: the store's messages from the first one that may have changed (`from`, an
   * index into what the webview shows) on, replacing what the webview holds there, plus the end-of-turn state.
   * Costs the turn, not the thread: the head read, and only the changed messages projected and posted.
   */
  async changes(ref: ThreadRef, from: number | undefined): Promise<void> {
    if (!this.view.attached) return;
    const key = keyOf(ref);
    const known = this.shown.idsFor(key);
    if (!known) return this.snapshot();
    const seq = ++this.seq;
    const loaded = await this.deps.backend.loadThread(ref).catch((error: unknown) => {
      this.errors.set(key, toErrorView(error));
      return undefined;
    });
    // A newer snapshot/change, another thread opened, or a new run began (its own end sends the change).
    if (
      seq !== this.seq ||
      !sameRef(this.view.open, ref) ||
      this.view.runs.get(key) ||
      this.shown.idsFor(key) !== known
    )
      return;
    const change = tailChange(loaded, known, from === undefined || from < 0 ? known.length : from);
    this.shown.reset(key, change.ids);
    this.view.post(
      hostMessage("replaceTail", { threadId: ref.threadId, afterId: change.afterId, messages: change.messages }),
    );
    this.view.post(hostMessage("status", { threadId: ref.threadId, ...turnStatus(loaded, undefined) }));
    // The cards of calls still waiting (after a run paused on them, or an answer resumed one of several).
    const approvals = loaded?.pendingApprovals ?? [];
    if (loaded) this.deps.approvalsLearned?.(ref, approvals.length);
    this.view.post(hostMessage("approvals", { threadId: ref.threadId, approvals: approvals.map(toApprovalView) }));
    const error = this.errors.get(key) ?? (loaded?.error ? toErrorView(loaded.error, this.deps.secrets()) : null);
    this.view.post(hostMessage("error", { threadId: ref.threadId, error }));
  }

  /** Before a branch streams: the thread as it was up to (not including) the message being re-run. */
  async prefix(ref: ThreadRef, messageId: string): Promise<void> {
    const key = keyOf(ref);
    const at = this.shown.indexOf(key, messageId);
    if (at >= 0) {
      this.view.post(
        hostMessage("replaceTail", {
          threadId: ref.threadId,
          afterId: at > 0 ? this.shown.idsFor(key)![at - 1]! : null,
          messages: [],
        }),
      );
      this.shown.truncate(key, at);
      return;
    }
    // Not among the shown messages (the webview is out of step): the stored thread up to it, as a snapshot.
    const snapshot = await this.buildSnapshot(ref);
    const index = snapshot.messages.findIndex((m) => m.id === messageId);
    if (index >= 0 && sameRef(this.view.open, ref)) {
      const messages = snapshot.messages.slice(0, index);
      this.view.post(hostMessage("snapshot", { ...snapshot, messages }));
      this.shown.reset(
        key,
        messages.map((m) => m.id),
      );
    }
  }
}
