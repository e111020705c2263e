/**
 * Unsent composer text per thread, kept in workspaceState so it survives reloads and switching threads.
 * (The webview also keeps the open thread's draft in its own state; this covers the other threads.)
 * workspaceState is loaded whole into every window of the workspace, so what it holds is bounded: a draft
 * keeps at most what could be sent as one message, and all drafts together at most MAX_TOTAL_DRAFT_CHARS —
 * beyond that the least recently edited drafts go first; the draft being saved is always kept.
 */
import { MAX_INPUT_CHARS } from "../../protocol/messages";
import { readState, STATE_KEYS, writeState, type KeyValueStore } from "./stateKeys";

/** Drafts kept per workspace; the oldest are dropped beyond this. */
export const MAX_DRAFTS = 200;
/** One draft: what one message may hold (a longer text could not be sent anyway). */
export const MAX_DRAFT_CHARS = MAX_INPUT_CHARS;
/** All drafts of a workspace together. */
export const MAX_TOTAL_DRAFT_CHARS = 4 * MAX_INPUT_CHARS;

export class Drafts {
  constructor(private readonly state: KeyValueStore) {}

  private all(): Record<string, string> {
    return readState(this.state, STATE_KEYS.drafts) ?? {};
  }

  get(key: string): string | undefined {
    return this.all()[key];
  }

  /**
   * Empty text forgets the draft. Re-inserted last, so insertion order = recency for the caps. A text over
   * MAX_DRAFT_CHARS keeps its beginning (the composer says so when it cuts what is typed there).
   */
  async set(key: string, text: string): Promise<void> {
    const drafts = { ...this.all() };
    if (!text && !(key in drafts)) return;
    delete drafts[key];
    if (text) drafts[key] = text.length > MAX_DRAFT_CHARS ? text.slice(0, MAX_DRAFT_CHARS) : text;
    const keys = Object.keys(drafts);
    let total = 0;
    for (const k of keys) total += drafts[k]!.length;
    let count = keys.length;
    for (const old of keys) {
      if (old === key || (count <= MAX_DRAFTS && total <= MAX_TOTAL_DRAFT_CHARS)) break;
      total -= drafts[old]!.length;
      count--;
      delete drafts[old];
    }
    await writeState(this.state, STATE_KEYS.drafts, drafts);
  }
}
