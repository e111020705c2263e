/**
 * A thread's last state as the chat shows it, read from the store: its messages, whether the last turn was cut
 * off, the failure it recorded, and the approvals it waits for. threadView.ts decides what "interrupted" means;
 * this reads what that decision needs, cheaply when it can.
 */
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { StoredMessage } from "../graph/messages";
import { storedFailureCode } from "../model/errors";
import type { ChatGraph } from "./chatGraph";
import { isInterrupted, type LoadedThread } from "./threadView";
import { pendingApprovalsOf } from "./tools/approvals";
import type { PendingApproval } from "./tools/types";

/** The store and the model-less graph a thread's state is read through. */
export interface StateSource {
  saver: BaseCheckpointSaver;
  historyGraph: ChatGraph;
}

/**
 * The thread's messages and the state of its last turn; undefined when it holds neither messages nor a failure.
 * `running`: a turn of this service runs on the thread (it is then neither interrupted nor failed).
 */
export async function readThreadState(
  source: StateSource,
  threadId: string,
  running: boolean,
): Promise<Omit<LoadedThread, "title" | "siblings"> | undefined> {
  // Fast path for the common case — the last turn finished: the head checkpoint's messages are the thread, and
  // reading them is one store read (~ms at 1,000 turns), where a full getState rebuilds every channel.
  const head = await source.saver.getTuple(configOf(threadId));
  const stored = head?.checkpoint.channel_values.messages;
  if (head && Array.isArray(stored) && (head.pendingWrites?.length ?? 0) === 0 && !running) {
    const messages = stored as StoredMessage[];
    const last = messages.at(-1);
    if (last?.role === "assistant" && !last.tool_calls?.length)
      return { messages, interrupted: isInterrupted(messages, { running, failed: false }) };
  }
  // Otherwise (unanswered, failed, pending writes) the graph's state: the messages and the recorded failure.
  const state = await source.historyGraph.getState(configOf(threadId));
  const messages = ((state.values as { messages?: StoredMessage[] }).messages ?? []).slice();
  const failed = state.tasks.find((t) => t.error)?.error;
  if (messages.length === 0 && !failed) return undefined;
  const error =
    failed && !running ? { name: failed.name, message: failed.message, code: storedFailureCode(failed) } : undefined;
  const pendingApprovals = running ? [] : pendingApprovalsOf(state.tasks);
  // A thread that waits for an approval is paused, not interrupted.
  // Tool calls left open by a run that ended (a killed window) make it interrupted too: Retry answers them.
  const openTools = !running && state.next.includes("tools");
  const interrupted = pendingApprovals.length
    ? false
    : openTools || isInterrupted(messages, { running, failed: Boolean(failed) });
  return { messages, interrupted, error, ...(pendingApprovals.length ? { pendingApprovals } : {}) };
}

/** The approvals the thread waits for (its `tools` tasks' interrupts), in tool-call order. */
export async function readPendingApprovals(historyGraph: ChatGraph, threadId: string): Promise<PendingApproval[]> {
  return pendingApprovalsOf((await historyGraph.getState(configOf(threadId))).tasks);
}

function configOf(threadId: string) {
  return { configurable: { thread_id: threadId } };
}
