/**
 * A thread as the chat shows it, and the one place that decides its last turn's state: running (streaming) or
 * interrupted — never both.
 */
import type { StoredMessage } from "../graph/messages";
import type { PendingApproval } from "./tools/types";

/** A failure the UI can explain: stable code + a message meant for people. */
export interface CodedError {
  code?: string;
  message: string;
  name?: string;
}

/** Position of a message among its versions, for messages that have more than one ("‹ 2/3 ›"). */
export type SiblingMap = Record<string, { index: number; count: number }>;

export interface LoadedThread {
  title?: string;
  messages: StoredMessage[];
  /** The last turn did not finish (window closed mid-stream, crash, failure, Stop): a Retry resumes it. */
  interrupted: boolean;
  /** The recorded failure of the last turn, if it failed (shown again after a reload). */
  error?: CodedError;
  /** Messages that have other versions (edit/regenerate): message id → 0-based position and count. */
  siblings?: SiblingMap;
  /** Tool calls waiting for the user's approval (the turn is paused, not interrupted); absent when none. */
  pendingApprovals?: PendingApproval[];
}

/**
 * A running turn is never "interrupted". Otherwise the last turn did not finish when it failed, when its
 * reply never came (a finished turn always ends with an assistant reply; a user or tool message last means
 * it did not), or when its reply was cut off (Stop, or the window closed mid-stream).
 */
export function isInterrupted(
  messages: readonly StoredMessage[],
  state: { running: boolean; failed: boolean },
): boolean {
  if (state.running) return false;
  const last = messages.at(-1);
  const unanswered = last !== undefined && (last.role === "user" || last.role === "tool");
  return state.failed || unanswered || last?.metadata?.interrupted === true;
}

/** The turn state the chat view shows: streaming while a run holds the thread, else interrupted as loaded. */
export interface TurnStatus {
  streaming: { messageId?: string } | null;
  interrupted: boolean;
}

/**
 * The view's turn state from the loaded thread and the run the host knows of (it may hold the thread before the
 * service's turn starts, and a thread read before the run began still says "interrupted"): a run wins.
 */
export function turnStatus(
  loaded: Pick<LoadedThread, "interrupted"> | undefined,
  run: { lastMessageId?: string } | undefined,
): TurnStatus {
  if (run) return { streaming: { messageId: run.lastMessageId }, interrupted: false };
  return { streaming: null, interrupted: loaded?.interrupted === true };
}
