/**
 * What the extension's controllers need from the persistence and chat layers, as small interfaces. The real
 * implementation (skeinBackend.ts) wires savers and the chat graph; controllers depend only on this file, so
 * they are tested in plain vitest without VS Code.
 */
import type { StoredMessage } from "../graph/messages";

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
  loadThread(ref: ThreadRef): Promise<LoadedThread | undefined>;
  /** One turn: `text` = a new user message; `null` = retry/resume the last unfinished or failed turn. */
  runTurn(ref: ThreadRef, text: string | null, options: TurnOptions): Promise<void>;
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
