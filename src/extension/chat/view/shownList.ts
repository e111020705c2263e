/**
 * What the chat webview holds of the open thread, as far as the store confirmed it (message ids in order), so
 * the host can send a change after a run or a branch operation instead of a snapshot: "after message X, the
 * list is now …". Streamed partial replies and optimistic pending messages are never in here; they always sit
 * at the end of the webview's list, after any anchor, so a change replaces them.
 */
import type { ChatMessageView } from "../../../protocol/types";
import type { LoadedThread } from "../../engine/backend";
import { toMessageViews } from "./messageView";

export class ShownList {
  private key: string | undefined;
  private ids: string[] = [];

  /** The ids shown for thread `key`, or undefined when the webview shows another thread (or nothing yet). */
  idsFor(key: string): readonly string[] | undefined {
    return this.key === key ? this.ids : undefined;
  }

  reset(key: string | undefined, ids: string[]): void {
    this.key = key;
    this.ids = ids;
  }

  /** A `messages` upsert: replaced in place by id, or appended. */
  upsert(key: string, id: string): void {
    if (this.key !== key) return;
    // New messages arrive at the end: look there first.
    if (this.ids.lastIndexOf(id) < 0) this.ids.push(id);
  }

  indexOf(key: string, id: string): number {
    return this.key === key ? this.ids.indexOf(id) : -1;
  }

  truncate(key: string, length: number): void {
    if (this.key === key) this.ids.length = Math.min(this.ids.length, length);
  }
}

export interface TailChange {
  afterId: string | null;
  messages: ChatMessageView[];
  /** Every id the webview holds after the change. */
  ids: string[];
}

/**
 * The change that brings a webview showing `known` to the store's `loaded` thread: everything from the first
 * message that differs, or from `from` (the first message a run or branch operation may have touched), on.
 * Only those messages are projected and sent; the rest of a 1,000-turn thread is compared by id alone.
 */
export function tailChange(loaded: LoadedThread | undefined, known: readonly string[], from: number): TailChange {
  // toMessageView drops only system messages, so this is the list the webview shows (unprojected).
  const visible = (loaded?.messages ?? []).filter((m) => m.role !== "system");
  const limit = Math.min(Math.max(0, from), known.length, visible.length);
  let at = 0;
  while (at < limit && known[at] === visible[at]!.id) at++;
  const messages = toMessageViews(visible.slice(at));
  for (const view of messages) {
    const siblings = loaded?.siblings?.[view.id];
    if (siblings) view.siblings = siblings;
  }
  return { afterId: at > 0 ? visible[at - 1]!.id : null, messages, ids: visible.map((m) => m.id) };
}
