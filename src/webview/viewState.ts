/**
 * What the chat view remembers between loads in its own webview state (survives hide/show and window reload): the
 * thread, its draft, where the user looked — sent to the host with `ready` — and the open thread's newest
 * messages, kept only in the webview. With those, after a window reload it paints the history at once — before the extension host has read the store and answered `ready` —
 * and then takes the host's snapshot as the truth. Only the newest messages are kept, bounded in size: enough to
 * fill the view where the user left it, never the whole thread.
 */
import { isHostMessage, MAX_INPUT_CHARS } from "../protocol/messages";
import type { ChatMessageView, PersistedViewState, WebviewStrings } from "../protocol/types";

/** Most message text remembered (characters): webview state is saved on every scroll, so it stays small. */
export const CACHE_MAX_CHARS = 100_000;
/** Most messages remembered (the list paints the newest page first anyway). */
export const CACHE_MAX_MESSAGES = 40;

export interface CachedThread {
  threadId: string;
  /** The thread's newest messages, in order. */
  messages: ChatMessageView[];
}

function size(view: ChatMessageView): number {
  let chars = view.text.length;
  for (const call of view.toolCalls ?? []) chars += call.args.length + call.name.length;
  return chars;
}

/**
 * The newest messages of a thread to remember: from the message the user is anchored to (and the one before it,
 * which may show above it) to the end; when pinned to the bottom, as many of the newest as fit. Undefined when
 * that does not fit the bounds (then a reload waits for the host, as without a cache).
 */
export function cacheOf(
  threadId: string,
  messages: readonly ChatMessageView[],
  anchorId: string | undefined,
): CachedThread | undefined {
  const anchorAt = anchorId === undefined ? -1 : messages.findIndex((m) => m.id === anchorId);
  if (anchorId !== undefined && anchorAt < 0) return undefined;
  const from = anchorAt >= 0 ? Math.max(0, anchorAt - 1) : 0;
  let chars = 0;
  let start = messages.length;
  while (start > from && messages.length - start < CACHE_MAX_MESSAGES) {
    const next = chars + size(messages[start - 1]!);
    if (next > CACHE_MAX_CHARS) break;
    chars = next;
    start--;
  }
  if (start === messages.length) return undefined;
  // The anchored message must be among those remembered, or the view would come back somewhere else.
  if (anchorAt >= 0 && start > anchorAt) return undefined;
  // Pending (optimistic) messages are not the thread's yet: remember only what the host confirmed.
  const kept = messages.slice(start).filter((m) => !m.id.startsWith("pending-"));
  return kept.length > 0 ? { threadId, messages: kept } : undefined;
}

/** The remembered thread from saved state, if it is well formed (state written by another version may not be). */
export function readCache(raw: unknown): CachedThread | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const cache = (raw as { cache?: unknown }).cache;
  if (typeof cache !== "object" || cache === null) return undefined;
  const { threadId, messages } = cache as Record<string, unknown>;
  // The same checks as the host's `messages` change: the list renders nothing it would not render from the host.
  if (typeof threadId !== "string" || !isHostMessage({ type: "messages", params: { threadId, messages } }))
    return undefined;
  const views = messages as ChatMessageView[];
  return views.length > 0 ? { threadId, messages: views } : undefined;
}

/**
 * The strings the host put into the page (so a remembered thread can be painted before the first snapshot): text,
 * or groups of text (the tool rows' strings, their statuses).
 */
export function readStrings(json: string | undefined): WebviewStrings | undefined {
  if (!json) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return isTextTree(value, 3) ? (value as WebviewStrings) : undefined;
  } catch {
    return undefined;
  }
}

/** An object whose values are strings or, `depth` levels down at most, objects of the same kind. */
function isTextTree(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value) || depth === 0) return false;
  return Object.values(value).every((v) => typeof v === "string" || isTextTree(v, depth - 1));
}

/** Thread, draft and scroll from saved state, as `ready` tells the host; a draft over the limit is cut to fit. */
export function readSavedState(raw: unknown): { state: PersistedViewState; draftWasCut: boolean } {
  if (typeof raw !== "object" || raw === null) return { state: {}, draftWasCut: false };
  const saved = raw as Record<string, unknown>;
  let draft = typeof saved.draft === "string" ? saved.draft : undefined;
  // Over the limit, `ready` would fail the host's guard and the chat would never get a snapshot.
  const draftWasCut = draft !== undefined && draft.length > MAX_INPUT_CHARS;
  if (draftWasCut) draft = draft!.slice(0, MAX_INPUT_CHARS);
  const anchor = saved.anchor as Record<string, unknown> | undefined;
  const state: PersistedViewState = {
    threadId: typeof saved.threadId === "string" ? saved.threadId : undefined,
    draft,
    scrollFromBottom:
      typeof saved.scrollFromBottom === "number" && Number.isFinite(saved.scrollFromBottom)
        ? saved.scrollFromBottom
        : undefined,
    ...(anchor &&
    typeof anchor.messageId === "string" &&
    typeof anchor.offset === "number" &&
    Number.isFinite(anchor.offset)
      ? { anchor: { messageId: anchor.messageId, offset: anchor.offset } }
      : {}),
  };
  return { state, draftWasCut };
}
