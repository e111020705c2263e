/**
 * The chat view's snapshot (sent on `ready` and when another thread opens) from what the host read, and the
 * one-shot read started when the view attaches (so the `ready` snapshot finds the thread already read).
 */
import type {
  ChatErrorView,
  ChatMessageView,
  ChatSnapshot,
  ComposerContextView,
  PersistedViewState,
  WebviewStrings,
} from "../../../protocol/types";
import { turnStatus } from "../../../chat/threadView";
import type { LoadedThread } from "../../engine/backend";
import { toErrorView, toMessageViews } from "./messageView";
import { toApprovalView } from "./approvalView";

export interface SnapshotParts {
  threadId: string;
  loaded: LoadedThread | undefined;
  /** The thread's run, if one is streaming: its partial replies are shown (not yet stored). */
  run: { partial: ReadonlyMap<string, string>; lastMessageId?: string } | undefined;
  /** A failure the host holds for the thread (failed run or load); else the one the store recorded. */
  error: ChatErrorView | undefined;
  secrets: readonly string[];
  draft: string;
  restore?: PersistedViewState;
  strings: WebviewStrings;
  focus: boolean;
  needsApiKey: boolean;
  context?: ComposerContextView;
}

export function composeSnapshot(parts: SnapshotParts): ChatSnapshot {
  const { loaded, run } = parts;
  const messages: ChatMessageView[] = toMessageViews(loaded?.messages ?? []);
  for (const view of messages) {
    const siblings = loaded?.siblings?.[view.id];
    if (siblings) view.siblings = siblings;
  }
  if (run) {
    const ids = new Set(messages.map((m) => m.id));
    for (const [id, text] of run.partial) if (!ids.has(id)) messages.push({ id, role: "assistant", text });
  }
  return {
    threadId: parts.threadId,
    title: loaded?.title ?? "",
    messages,
    // The webview's remembered draft is the newest, unless it is empty and the host holds one it never saw (a
    // refused message put back while the view was closed): then that one, never an empty composer over it.
    draft: parts.restore?.draft || parts.draft,
    scrollFromBottom: parts.restore?.scrollFromBottom,
    anchor: parts.restore?.anchor,
    ...turnStatus(loaded, run),
    error: parts.error ?? (!run && loaded?.error ? toErrorView(loaded.error, parts.secrets) : null),
    strings: parts.strings,
    focus: parts.focus,
    needsApiKey: parts.needsApiKey,
    // Waiting cards come from the checkpoint, so they are back after a reload or a thread switch.
    approvals: run ? [] : (loaded?.pendingApprovals ?? []).map(toApprovalView),
    ...(parts.context ? { context: parts.context } : {}),
  };
}

/** One read started ahead of its use, taken at most once by the same key. */
export class PrefetchSlot<T> {
  private entry: { key: string; load: Promise<T> } | undefined;

  has(key: string): boolean {
    return this.entry?.key === key;
  }

  put(key: string, load: Promise<T>): void {
    load.catch(() => undefined); // a failure is reported by whoever takes it
    this.entry = { key, load };
  }

  take(key: string): Promise<T> | undefined {
    const entry = this.entry;
    this.entry = undefined;
    return entry?.key === key ? entry.load : undefined;
  }

  drop(key: string): void {
    if (this.entry?.key === key) this.entry = undefined;
  }
}
