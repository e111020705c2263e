/** Stored messages → what the webview shows. The webview never sees provider blocks, metadata or usage. */
import { messageText, type StoredMessage } from "../../../graph/messages";
import type { ChatErrorView, ChatMessageView, ErrorAction, ToolStatusView } from "../../../protocol/types";
import { KEY_ERROR_CODES, KEY_ERROR_NAMES, type CodedError } from "../../engine/backend";
import { TurnRejectedError } from "../turns/turnErrors";
import { splitAttachments } from "../../context/attachmentFormat";

/** Tool arguments are shown, not executed; cap them so a giant JSON cannot bloat the snapshot. */
const MAX_ARGS_CHARS = 4_000;
/** A tool result row shows this much (the model got up to the engine's own cap). */
const MAX_RESULT_CHARS = 20_000;
const TOOL_STATUSES = new Set<ToolStatusView>(["ok", "error", "rejected", "stopped", "timed_out", "abandoned"]);

export function toMessageView(message: StoredMessage): ChatMessageView | undefined {
  if (message.role === "system") return undefined;
  const view: ChatMessageView = { id: message.id, role: message.role, text: messageText(message) };
  if (message.role === "assistant" && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    view.toolCalls = message.tool_calls.map((call) => {
      let args = "";
      try {
        args = JSON.stringify(call.args ?? {}, null, 2) ?? "";
      } catch {
        args = "";
      }
      return {
        id: String(call.id),
        name: String(call.name),
        args: args.length > MAX_ARGS_CHARS ? `${args.slice(0, MAX_ARGS_CHARS)}…` : args,
      };
    });
  }
  const meta = message.metadata;
  if (message.role === "tool") {
    if (typeof message.name === "string") view.toolName = message.name;
    if (typeof message.tool_call_id === "string") view.toolCallId = message.tool_call_id;
    if (TOOL_STATUSES.has(meta?.tool_status as ToolStatusView)) view.toolStatus = meta!.tool_status as ToolStatusView;
    if (typeof meta?.durationMs === "number" && Number.isFinite(meta.durationMs)) view.durationMs = meta.durationMs;
    if (view.text.length > MAX_RESULT_CHARS)
      view.text = `${view.text.slice(0, MAX_RESULT_CHARS)}\n… (${(view.text.length - MAX_RESULT_CHARS).toLocaleString("en-US")} more characters)`;
  }
  if (message.role === "user" && Array.isArray(message.content)) {
    const { text, attachments } = splitAttachments(message.content);
    if (attachments.length) {
      view.text = text;
      view.attachments = attachments;
    }
  }
  if (meta?.interrupted) view.interrupted = true;
  if (meta?.is_error) view.isError = true;
  if (typeof meta?.createdAt === "string") view.createdAt = meta.createdAt;
  return view;
}

export function toMessageViews(messages: readonly StoredMessage[]): ChatMessageView[] {
  const out: ChatMessageView[] = [];
  for (const message of messages) {
    const view = toMessageView(message);
    if (view) out.push(view);
  }
  return out;
}

function codeOf(error: unknown): string {
  const code = (error as CodedError | null)?.code;
  if (typeof code === "string" && code) return code;
  const name = (error as CodedError | null)?.name;
  return typeof name === "string" && name !== "Error" ? name : "UNKNOWN";
}

export function isKeyError(error: unknown): boolean {
  if (KEY_ERROR_CODES.has(codeOf(error))) return true;
  const name = (error as CodedError | null)?.name;
  if (typeof name === "string" && KEY_ERROR_NAMES.has(name)) return true;
  const status = (error as { status?: unknown } | null)?.status;
  return status === 401 || status === 403;
}

/** An error as the chat shows it: never a stack, never the key (scrubbed in case a layer echoed it). */
export function toErrorView(error: unknown, secretsToHide: readonly string[] = []): ChatErrorView {
  let message =
    error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
      ? String((error as { message: unknown }).message)
      : String(error);
  for (const secret of secretsToHide) {
    if (secret.length >= 8) message = message.split(secret).join("•••");
  }
  // A refused turn stored nothing: Retry would regenerate the previous reply, not send the message.
  const rejected = error instanceof TurnRejectedError;
  const actions: ErrorAction[] = rejected ? [] : isKeyError(error) ? ["setApiKey", "retry"] : ["retry"];
  return { code: codeOf(error), message, actions };
}
