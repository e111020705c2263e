/**
 * What the chat view keeps in workspaceState, each key with the type of its value, so a reader and a writer
 * cannot disagree about either.
 */
import type { ThreadRef } from "../engine/backend";

/** The subset of `vscode.Memento` the chat view uses. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** A workspaceState key and the type of what it holds. */
export interface StateKey<T> {
  readonly id: string;
  /** Never set: carries the value's type. */
  readonly valueType?: T;
}

export const STATE_KEYS = {
  /** The thread the chat shows, reopened after a reload. */
  openThread: { id: "skein.openThread" } as StateKey<ThreadRef>,
  /** Unsent composer text per thread (`scope/threadId` → text). */
  drafts: { id: "skein.drafts" } as StateKey<Record<string, string>>,
};

export function readState<T>(store: KeyValueStore, key: StateKey<T>): T | undefined {
  return store.get<T>(key.id);
}

export function writeState<T>(store: KeyValueStore, key: StateKey<T>, value: T): PromiseLike<void> {
  return store.update(key.id, value);
}
