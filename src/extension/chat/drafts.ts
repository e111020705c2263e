/**
 * Unsent composer text per thread, kept in workspaceState so it survives reloads and switching threads.
 * (The webview also keeps the open thread's draft in its own state; this covers the other threads.)
 */
import { readState, STATE_KEYS, writeState, type KeyValueStore } from "./stateKeys";

/** Drafts kept per workspace; the oldest are dropped beyond this. */
const MAX_DRAFTS = 200;

export class Drafts {
  constructor(private readonly state: KeyValueStore) {}

  private all(): Record<string, string> {
    return readState(this.state, STATE_KEYS.drafts) ?? {};
  }

  get(key: string): string | undefined {
    return this.all()[key];
  }

  /** Empty text forgets the draft. Re-inserted last, so insertion order = recency for the cap. */
  async set(key: string, text: string): Promise<void> {
    const drafts = { ...this.all() };
    if (!text && !(key in drafts)) return;
    delete drafts[key];
    if (text) drafts[key] = text;
    const keys = Object.keys(drafts);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_DRAFTS))) delete drafts[old];
    await writeState(this.state, STATE_KEYS.drafts, drafts);
  }
}
