/**
 * What the extension's controllers need from the persistence and chat layers, as small interfaces. The real
 * implementation (skeinBackend.ts) wires savers and the chat graph; controllers depend only on this file, so
 * they are tested in plain vitest without VS Code.
 */
import type { StoredMessage } from "../../graph/messages";

/** A thread in one workspace scope's store. */
export interface ThreadRef {
  scope: string;
  threadId: string;
}

export interface ThreadSummary {
  threadId: string;
  title?: string;
  createdAt: string;
  updatedAt: string;
  messageCount?: number;
}

export interface LoadedThread {
  title?: string;
  messages: StoredMessage[];
  /** The last run did not finish (window closed mid-stream, crash, failure): a Retry resumes it. */
  interrupted: boolean;
  /** The recorded failure of the last turn, if it failed (shown again after a reload). */
  error?: CodedError;
  /** Messages that have other versions (edit/regenerate): message id → 0-based position and count. */
  siblings?: Record<string, { index: number; count: number }>;
}

export interface LoadOptions {
  /** Also look for forks the catalog does not mark yet (reads every checkpoint; the open path never asks). */
  probeForks?: boolean;
}

export type TurnEvent =
  /** A message stored or updated by the run (the user's input, a finished assistant reply, a tool result). */
  | { type: "message"; message: StoredMessage }
  /** A streamed piece of an assistant reply not yet stored. */
  | { type: "token"; messageId: string; text: string }
  /** The catalog title changed (first message, model-made title). */
  | { type: "title"; title: string };

export interface TurnOptions {
  signal: AbortSignal;
  onEvent(event: TurnEvent): void;
}

export interface ChatBackend {
  /** This scope's threads, most recently updated first. */
  listThreads(scope: string): Promise<ThreadSummary[]>;
  createThread(scope: string): Promise<string>;
  renameThread(ref: ThreadRef, title: string): Promise<void>;
  deleteThread(ref: ThreadRef): Promise<void>;
  /** undefined when the thread does not exist (deleted in another window, never sent). */
  loadThread(ref: ThreadRef, options?: LoadOptions): Promise<LoadedThread | undefined>;
  /**
   * Optional: true when a thread loaded without sibling positions has forks after all (then reload it with
   * `probeForks`). Costly (reads every checkpoint), so callers run it after the chat has painted.
   */
  probeBranches?(ref: ThreadRef): Promise<boolean>;
  /** One turn: `text` = a new user message; `null` = retry/resume the last unfinished or failed turn. */
  runTurn(ref: ThreadRef, text: string | null, options: TurnOptions): Promise<void>;
  /** Time travel, search, export (issue 7). Optional so test doubles without them still fit. */
  history?: HistoryBackend;
}

/** A turn that starts from an earlier checkpoint: a user message edited, or an assistant reply regenerated. */
export type BranchRequest = { kind: "edit"; messageId: string; text: string } | { kind: "regenerate"; messageId: string };

export interface ThreadSearchHit {
  ref: ThreadRef;
  title: string;
  updatedAt: string;
  /** Absent when the title matched. */
  messageId?: string;
  role?: string;
  snippet: string;
}

export interface HistoryBackend {
  /** Runs an edit/regenerate as a streamed turn (the new branch becomes the shown one). */
  runBranch(ref: ThreadRef, request: BranchRequest, options: TurnOptions): Promise<void>;
  /** Shows the `index`-th version of a message (and that branch's continuation); persists across reloads. */
  switchBranch(ref: ThreadRef, messageId: string, index: number): Promise<void>;
  /** Makes sure a message (a search hit on another branch) is on the shown branch. */
  showMessage(ref: ThreadRef, messageId: string): Promise<void>;
  /** A new thread in the same scope holding the shown history up to `messageId`; returns its id. */
  forkThread(ref: ThreadRef, messageId: string): Promise<string>;
  exportThread(ref: ThreadRef, format: "markdown" | "json"): Promise<string>;
  /** Validates, then creates a new thread in `scope`; throws a coded error and creates nothing on bad input. */
  importThread(scope: string, text: string): Promise<string>;
  search(scopes: readonly string[], query: string): Promise<{ hits: ThreadSearchHit[]; total: number }>;
}

/** A failure the UI can explain: stable code + a message meant for people. */
export interface CodedError {
  code?: string;
  message: string;
  name?: string;
}

/** Codes (upper-cased; the model layer uses lower case) that mean "fix your API key". */
export const KEY_ERROR_CODES = new Set([
  "MISSING_API_KEY",
  "AUTHENTICATION_FAILED",
  "AUTHENTICATION_ERROR",
  "INVALID_API_KEY",
  "PERMISSION_DENIED",
  "UNAUTHORIZED",
]);

/** Error class names (when only a name survived, e.g. a failure recorded in the store) that mean the same. */
export const KEY_ERROR_NAMES = new Set(["MissingApiKeyError", "AuthenticationFailedError", "PermissionDeniedError"]);
