/**
 * How the chat graph answers the model's tool calls. Each call of a reply is its own task (a `Send` to the
 * `tools` node), so calls run in parallel, a changing call pauses only itself with `interrupt()`, and two
 * pending approvals are resumed by interrupt id in any order — a finished sibling's result stays in the
 * checkpoint's pending writes and is never run again. Every call ends as a tool result message (ok, error,
 * rejected, stopped, timed out, abandoned): a thread never holds a tool_use the API would refuse.
 */
import { v4 as uuid4 } from "uuid";
import { END, Send } from "../../graph";
import { GraphInterrupt } from "../../graph/errors";
import { interrupt } from "../../graph/pregel/interruptContext";
import type { Message, ToolCall } from "../../graph/messages";
import type { NodeConfig } from "../../graph/types";
import { ToolOutcome, type ChatTool, type ToolRunContext } from "../tools";
import type { ToolRuns } from "./toolRuns";
import type { ToolApprovalDecision, ToolApprovalRequest, ToolCallStatus, ToolResultMetadata } from "./types";

interface ChatState {
  messages: Message[];
}

/** The input of one tool task. */
export interface ToolCallTask {
  call: ToolCall;
}

export const STOPPED_TEXT = "Stopped by the user before it finished.";
export const STOPPED_WAITING_TEXT = "Stopped by the user before it was approved; it was not run.";

/** The note that ends a turn that reached `maxRounds`. */
export function roundLimitNote(maxRounds: number): string {
  return (
    `Stopped: this turn reached the limit of ${maxRounds} tool round${maxRounds === 1 ? "" : "s"} ` +
    "(setting skein.tools.maxRounds). Send a message to let the model continue."
  );
}

/** Model ⇄ tool rounds in the current turn: assistant replies with tool calls since the last user message. */
export function roundsThisTurn(messages: readonly Message[]): number {
  let rounds = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === "user") break;
    if (m.role === "assistant" && m.tool_calls?.length) rounds++;
  }
  return rounds;
}

/** After `call_model`: one `tools` task per tool call, the round limit, or the end of the turn. */
export function routeToolCalls(maxRounds: number) {
  return (state: ChatState): Send<ToolCallTask>[] | "round_limit" | typeof END => {
    const last = state.messages.at(-1);
    if (last?.role !== "assistant" || !last.tool_calls?.length) return END;
    if (roundsThisTurn(state.messages) > maxRounds) return "round_limit";
    return last.tool_calls.map((call) => new Send("tools", { call }));
  };
}

export function toolResult(
  call: Pick<ToolCall, "id" | "name">,
  content: string,
  status: ToolCallStatus,
  extra: Partial<ToolResultMetadata> = {},
): Message {
  const metadata: ToolResultMetadata = {
    tool_status: status,
    ...(status === "ok" ? {} : { is_error: true }),
    ...extra,
    createdAt: new Date().toISOString(),
  };
  return { id: uuid4(), role: "tool", tool_call_id: call.id, name: call.name, content, metadata: { ...metadata } };
}

/** `round_limit`: the calls of the reply over the limit are answered as not run, then a note ends the turn. */
export function createRoundLimitNode(maxRounds: number) {
  return (state: ChatState): { messages: Message[] } => {
    const last = state.messages.at(-1);
    const calls = last?.role === "assistant" ? (last.tool_calls ?? []) : [];
    const note = roundLimitNote(maxRounds);
    return {
      messages: [
        ...calls.map((call) => toolResult(call, `Not run. ${note}`, "abandoned")),
        {
          id: uuid4(),
          role: "assistant",
          content: note,
          metadata: { notice: "max_rounds", createdAt: new Date().toISOString() },
        },
      ],
    };
  };
}

function isDecision(value: unknown): value is ToolApprovalDecision {
  return typeof value === "object" && value !== null && typeof (value as { approved?: unknown }).approved === "boolean";
}

export function rejectionText(name: string, decision: { reason?: string }): string {
  const reason = typeof decision.reason === "string" ? decision.reason.trim() : "";
  return `The user rejected this ${name} call${reason ? `. Reason: ${reason}` : "."} It was not run.`;
}

export interface ToolCallNodeDeps {
  tools: readonly ChatTool[];
  /** Running calls per thread, so Stop can store what a cancelled call produced. */
  runs?: ToolRuns;
  /** Result text longer than this is cut (with a note). */
  maxResultChars?: number;
}

/** The `tools` node: a `ToolCallTask` answers one call; a plain state (a thread stored before) answers all open calls. */
export function createToolCallNode(deps: ToolCallNodeDeps) {
  const byName = new Map(deps.tools.map((t) => [t.definition.name, t]));
  return async (input: ToolCallTask | ChatState, config: NodeConfig): Promise<{ messages: Message[] }> => {
    const calls = "call" in input ? [input.call] : openCalls(input.messages);
    const messages = await Promise.all(calls.map((call) => answerCall(call, byName, deps, config)));
    return { messages };
  };
}

/** Calls of the last assistant reply that no tool result answers yet. */
export function openCalls(messages: readonly Message[]): ToolCall[] {
  let i = messages.length - 1;
  const answered = new Set<string>();
  while (i >= 0 && messages[i].role === "tool") answered.add(messages[i--].tool_call_id ?? "");
  const reply = messages[i];
  if (reply?.role !== "assistant") return [];
  return (reply.tool_calls ?? []).filter((c) => !answered.has(c.id));
}

async function answerCall(
  call: ToolCall,
  byName: ReadonlyMap<string, ChatTool>,
  deps: ToolCallNodeDeps,
  config: NodeConfig,
): Promise<Message> {
  const threadId = typeof config.configurable?.thread_id === "string" ? config.configurable.thread_id : undefined;
  const args = call.args && typeof call.args === "object" ? call.args : {};
  const context: ToolRunContext = {
    signal: config.signal,
    toolCallId: call.id,
    onOutput: (text) => config.writer({ type: "tool_output", toolCallId: call.id, text }),
  };
  const tool = byName.get(call.name);
  if (!tool) {
    const names = [...byName.keys()].join(", ") || "none";
    return toolResult(call, `Error: Unknown tool "${call.name}". Available: ${names}.`, "error");
  }
  let details;
  try {
    details = tool.approval ? await tool.approval(args, context) : undefined;
  } catch (error) {
    return toolResult(call, `Error: ${messageOf(error)}`, "error");
  }
  if (details) {
    const request: ToolApprovalRequest = {
      kind: "tool_approval",
      toolCallId: call.id,
      name: call.name,
      args,
      ...details,
    };
    const decision = interrupt<ToolApprovalRequest, unknown>(request);
    if (!isDecision(decision))
      return toolResult(call, "Error: the approval was answered with an invalid value; the call was not run.", "error");
    if (!decision.approved) return toolResult(call, rejectionText(call.name, decision), "rejected");
    if (decision.always) await Promise.resolve(tool.rememberAlways?.(args)).catch(() => undefined);
  }
  const started = Date.now();
  const running = execute(tool, call, args, context, deps, started);
  return threadId && deps.runs ? deps.runs.track(threadId, call.id, running) : running;
}

async function execute(
  tool: ChatTool,
  call: ToolCall,
  args: Record<string, unknown>,
  context: ToolRunContext,
  deps: ToolCallNodeDeps,
  started: number,
): Promise<Message> {
  try {
    const output = await tool.run(args, context);
    const durationMs = Date.now() - started;
    if (output instanceof ToolOutcome)
      return toolResult(call, cap(output.content, deps.maxResultChars), output.status, {
        ...output.metadata,
        durationMs,
      });
    const text = typeof output === "string" ? output : JSON.stringify(output ?? null);
    return toolResult(call, cap(text, deps.maxResultChars), "ok", { durationMs });
  } catch (error) {
    if (error instanceof GraphInterrupt) throw error;
    const durationMs = Date.now() - started;
    if (context.signal?.aborted) return toolResult(call, STOPPED_TEXT, "stopped", { durationMs });
    // The model sees the failure and can recover; the thread never breaks on a tool.
    return toolResult(call, `Error: ${messageOf(error)}`, "error", { durationMs });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function cap(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return `${text.slice(0, max)}\n… (cut: the result had ${text.length} characters; ${max} are shown)`;
}
