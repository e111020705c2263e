/**
 * Answers the tool calls a thread left open, so its history stays one the API accepts: calls waiting for an
 * approval when the user sends a new message ("the user moved on"), calls cut by Stop ("stopped"), calls
 * whose run ended with the process ("abandoned" — they may have partly run, so they are never re-run). The
 * results are written as the `tools` node's output (`updateState`), which also keeps the results of the
 * step's calls that had finished; the pending interrupts are thereby answered.
 */
import type { Message, StoredMessage, ToolCall } from "../../graph/messages";
import type { RunnableConfig } from "../../graph/types";
import { pendingApprovalsOf } from "./approvals";
import { openCalls, rejectionText, STOPPED_TEXT, STOPPED_WAITING_TEXT, toolResult } from "./toolCallNode";
import type { Interrupt } from "../../graph/types";
import { MOVED_ON_REASON, type ToolCallStatus } from "./types";

interface GraphLike {
  getState(config: RunnableConfig): Promise<{
    values: unknown;
    next: readonly string[];
    tasks: readonly { interrupts: readonly Interrupt[]; result?: unknown }[];
  }>;
  updateState(config: RunnableConfig, values: unknown, asNode?: string): Promise<RunnableConfig>;
}

interface CloseOpenCalls {
  /** Results the calls produced (a call cut by Stop), used before anything else. */
  ran?: ReadonlyMap<string, Message>;
  /** The answer for a call waiting for approval. */
  pending: (call: ToolCall) => { content: string; status: ToolCallStatus };
  /** The answer for any other open call (default: abandoned). */
  other?: (call: ToolCall) => Message | { content: string; status: ToolCallStatus };
}

const ABANDONED_TEXT =
  "Abandoned: the run ended before this call finished (it may have partly run). It was not run again.";

/** Stores results for the open calls of the thread's last reply; returns what was stored ([] when none were open). */
async function closeOpenCalls(graph: GraphLike, threadId: string, answers: CloseOpenCalls): Promise<Message[]> {
  const config = { configurable: { thread_id: threadId } };
  const state = await graph.getState(config);
  if (!state.next.includes("tools")) return [];
  const messages = (state.values as { messages?: StoredMessage[] }).messages ?? [];
  const open = openCalls(messages);
  if (open.length === 0) return [];
  const waiting = new Set(pendingApprovalsOf(state.tasks).map((p) => p.request.toolCallId));
  const results = open.map((call): Message => {
    const produced = answers.ran?.get(call.id);
    if (produced) return produced;
    if (waiting.has(call.id)) {
      const { content, status } = answers.pending(call);
      return toolResult(call, content, status);
    }
    const other = answers.other?.(call) ?? { content: ABANDONED_TEXT, status: "abandoned" as const };
    return "role" in other ? other : toolResult(call, other.content, other.status);
  });
  await graph.updateState(config, { messages: results }, "tools");
  return results;
}

/**
 * Before new input: calls still waiting for approval are answered as rejected ("the user moved on"), calls whose
 * run ended with the process as abandoned, so the history the model gets next stays valid.
 */
export function closeBeforeNewInput(graph: GraphLike, threadId: string): Promise<Message[]> {
  return closeOpenCalls(graph, threadId, {
    pending: (call) => ({ content: rejectionText(call.name, { reason: MOVED_ON_REASON }), status: "rejected" }),
  });
}

/** After Stop: each call the run left open gets its "stopped" result (`ran`: what a call produced, kept first). */
export function closeStoppedCalls(
  graph: GraphLike,
  threadId: string,
  ran: ReadonlyMap<string, Message>,
): Promise<Message[]> {
  return closeOpenCalls(graph, threadId, {
    ran,
    pending: () => ({ content: STOPPED_WAITING_TEXT, status: "stopped" }),
    other: () => ({ content: STOPPED_TEXT, status: "stopped" }),
  });
}

/** Calls whose run died with the process may have partly run: answered as abandoned, never run again. */
export function closeAbandonedCalls(graph: GraphLike, threadId: string): Promise<Message[]> {
  return closeOpenCalls(graph, threadId, { pending: () => ({ content: ABANDONED_TEXT, status: "abandoned" }) });
}
