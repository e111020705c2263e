/**
 * Which threads wait for a tool approval, and how many calls wait: the Threads tree marks those threads and
 * the Skein view's badge shows the total. Learned whenever the chat reads a thread or a turn pauses, and kept in
 * workspaceState so the badge is right after a reload before any thread is read. No `vscode` import.
 */
import type { ThreadRef } from "../engine/backend";
import type { KeyValueStore } from "./stateKeys";

const KEY = "skein.waitingApprovals";
/** Threads remembered at most (a stale entry only costs a badge count until that thread is read). */
const MAX_THREADS = 200;

const keyOf = (ref: ThreadRef) => `${ref.scope}/${ref.threadId}`;

export class ApprovalTracker {
  private readonly counts: Map<string, number>;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly state: KeyValueStore) {
    const stored = state.get<Record<string, unknown>>(KEY);
    this.counts = new Map(
      Object.entries(stored && typeof stored === "object" ? stored : {}).filter(
        (entry): entry is [string, number] => Number.isInteger(entry[1]) && (entry[1] as number) > 0,
      ),
    );
  }

  /** How many calls of this thread wait now (0 = none). */
  set(ref: ThreadRef, count: number): void {
    const key = keyOf(ref);
    if ((this.counts.get(key) ?? 0) === count) return;
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
    while (this.counts.size > MAX_THREADS) this.counts.delete(this.counts.keys().next().value!);
    void Promise.resolve(this.state.update(KEY, Object.fromEntries(this.counts))).catch(() => undefined);
    for (const listener of this.listeners) listener();
  }

  waiting(ref: ThreadRef): number {
    return this.counts.get(keyOf(ref)) ?? 0;
  }

  /** Calls waiting in the threads of one scope (this window's badge). */
  total(scope: string): number {
    let sum = 0;
    for (const [key, count] of this.counts) if (key.startsWith(`${scope}/`)) sum += count;
    return sum;
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}
