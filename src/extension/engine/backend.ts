/**
 * What the chat view, the Threads tree and the commands need from the stores, addressed by `{ scope, threadId }`:
 * ThreadServices (threadServices.ts) implements it on one thread service per workspace scope. The view's code
 * depends only on this file, so it is tested in plain vitest without VS Code.
 */
import type { ThreadSummary } from "../../chat/catalog";
import type { BranchRequest } from "../../chat/threadService";
import type { LoadedThread, SiblingMap } from "../../chat/threadView";
import type { ChatEvent } from "../../chat/turns";
import type { PendingApproval, ToolApprovalDecision } from "../../chat/tools/types";
import type { TextBlock } from "../../graph/messages";

export type { ThreadSummary } from "../../chat/catalog";
export type { BranchRequest } from "../../chat/threadService";
export type { CodedError, LoadedThread } from "../../chat/threadView";
export type { ChatEvent } from "../../chat/turns";
export type { PendingApproval, ToolApprovalDecision } from "../../chat/tools/types";

/** A thread in one workspace scope's store. */
export interface ThreadRef {
  scope: string;
  threadId: string;
}

export interface LoadOptions {
  /** Also look for forks the catalog does not mark yet (reads every checkpoint; the open path never asks). */
  probeForks?: boolean;
}

export interface TurnOptions {
  signal: AbortSignal;
  onEvent(event: ChatEvent): void;
  /** Files and selections sent with a new message (blocks after its text; see context/attachmentFormat.ts). */
  attachments?: TextBlock[];
}

export interface ChatBackend {
  /** This scope's threads, most recently updated first. */
  listThreads(scope: string): Promise<ThreadSummary[]>;
  createThread(scope: string): Promise<string>;
  renameThread(ref: ThreadRef, title: string): Promise<void>;
  /** Stops the thread's turn, then removes every byte of it (its search index text too). */
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
  /** Branches, search, export/import. Optional so test doubles without them still fit. */
  history?: HistoryBackend;
  /** The tool calls the thread waits for (from its checkpoint). Optional so test doubles without tools still fit. */
  pendingApprovals?(ref: ThreadRef): Promise<PendingApproval[]>;
  /** Answers one pending approval and runs the turn on from there (streamed like any turn). */
  answerApproval?(
    ref: ThreadRef,
    interruptId: string,
    decision: ToolApprovalDecision,
    options: TurnOptions,
  ): Promise<void>;
}

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
  /** Sibling positions ("‹ 2/3 ›") of the shown branch's messages that have other versions. */
  siblings(ref: ThreadRef): Promise<SiblingMap>;
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

/** Codes that mean "fix your API key" (every layer's codes are UPPER_CASE). */
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
