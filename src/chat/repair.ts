/**
 * Repairs the history that is SENT to the model so a failed or cancelled run can never poison a thread
 * (LangGraph's most reported persistence complaint: an assistant tool call left without its result, after
 * which every call fails with 400). The stored thread is never changed; only the copy sent is:
 * - an unanswered tool call gets an error tool result right after its assistant turn;
 * - tool results that answer no tool call of the assistant turn just before them are dropped;
 * - empty messages (no text, no blocks, no tool calls) are dropped;
 * - the history starts with a user message (a placeholder is inserted when it would not);
 * - a trailing assistant message without tool calls (e.g. a cancelled partial reply being retried) is
 *   dropped, so the model answers afresh instead of continuing it as a prefill.
 * Consecutive same-role messages are merged when converted to wire blocks (src/model/convert.ts).
 */
import type { Message } from "../graph/messages";

export const UNANSWERED_TOOL_CALL_TEXT =
  "Error: this tool call did not complete (the run was interrupted), so it has no result.";
export const OMITTED_HISTORY_TEXT = "(Earlier conversation omitted.)";

function isEmpty(message: Message): boolean {
  if (message.tool_calls?.length) return false;
  if (message.role === "tool") return false; // a tool result with no output is still an answer
  if (typeof message.content === "string") return message.content.trim().length === 0;
  return message.content.every((b) => b.type === "text" && !String((b as { text?: unknown }).text ?? "").trim());
}

export interface RepairReport {
  messages: Message[];
  /** What was changed, for logs and tests. */
  changes: string[];
}

export function repairHistory(history: readonly Message[]): RepairReport {
  const changes: string[] = [];
  const out: Message[] = [];
  let i = 0;
  while (i < history.length) {
    const message = history[i];
    if (message.role === "tool") {
      changes.push(`dropped tool result ${message.tool_call_id ?? "?"} that answers no tool call`);
      i++;
      continue;
    }
    if (isEmpty(message)) {
      changes.push(`dropped empty ${message.role} message`);
      i++;
      continue;
    }
    out.push(message);
    i++;
    if (message.role !== "assistant" || !message.tool_calls?.length) continue;
    // Gather the tool results that follow this assistant turn (possibly interleaved with nothing else).
    const wanted = new Map(message.tool_calls.map((c) => [c.id, c]));
    const answered = new Set<string>();
    while (i < history.length && history[i].role === "tool") {
      const result = history[i];
      const id = result.tool_call_id ?? "";
      if (wanted.has(id) && !answered.has(id)) {
        answered.add(id);
        out.push(result);
      } else {
        changes.push(`dropped tool result ${id || "?"} that answers no tool call`);
      }
      i++;
    }
    for (const call of message.tool_calls) {
      if (answered.has(call.id)) continue;
      changes.push(`answered unanswered tool call ${call.id} with an error result`);
      out.push({
        role: "tool",
        tool_call_id: call.id,
        name: call.name,
        content: UNANSWERED_TOOL_CALL_TEXT,
        metadata: { is_error: true },
      });
    }
  }
  const firstChat = out.findIndex((m) => m.role !== "system");
  if (firstChat >= 0 && out[firstChat].role !== "user") {
    changes.push("inserted a placeholder user message so the history starts with the user");
    out.splice(firstChat, 0, { role: "user", content: OMITTED_HISTORY_TEXT });
  }
  while (out.length > 0) {
    const last = out[out.length - 1];
    if (last.role !== "assistant" || last.tool_calls?.length) break;
    changes.push("dropped a trailing assistant message so the model answers afresh");
    out.pop();
  }
  return { messages: out, changes };
}
