/**
 * Skein messages ⇄ Messages API wire blocks. Skein keeps LangGraph's shape (assistant `tool_calls`, `tool`
 * role messages with `tool_call_id`); the API wants `tool_use` blocks in the assistant message and
 * `tool_result` blocks at the start of the next user message, with the system prompt passed separately.
 * This module converts faithfully and merges same-role neighbours; repairing a broken history (unanswered
 * tool calls, empty messages) is the chat layer's job (src/chat/repair.ts) so it stays visible and tested.
 */
import { messageText } from "../graph/messages";
import type { ContentBlock, Message, MessageMetadata, ToolCall } from "../graph/messages";
import type { ContentBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";

/**
 * The content block types a Messages API request accepts (the SDK's `ContentBlockParam`; the compiler checks
 * the list against it). A block of any other type — from a hand-edited import, an older store — would make
 * the API answer 400 on every later turn of the thread, so it is never sent.
 */
const API_BLOCK_TYPE_LIST = [
  "text",
  "image",
  "document",
  "search_result",
  "thinking",
  "redacted_thinking",
  "tool_use",
  "tool_result",
  "server_tool_use",
  "web_search_tool_result",
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "tool_search_tool_result",
  "container_upload",
] as const satisfies readonly ContentBlockParam["type"][];
type Missing = Exclude<ContentBlockParam["type"], (typeof API_BLOCK_TYPE_LIST)[number]>;
const everyTypeListed: [Missing] extends [never] ? true : Missing = true;
void everyTypeListed;

export const API_BLOCK_TYPES: ReadonlySet<string> = new Set(API_BLOCK_TYPE_LIST);

export interface WireBlock {
  type: string;
  [key: string]: unknown;
}

export interface WireMessage {
  role: "user" | "assistant";
  content: WireBlock[];
}

export interface WireRequest {
  system?: string;
  messages: WireMessage[];
}

function contentBlocks(content: Message["content"]): WireBlock[] {
  if (typeof content === "string") return content.length > 0 ? [{ type: "text", text: content }] : [];
  // Empty text blocks are rejected by the API; blocks of a type it does not know never leave the process.
  return (content as ContentBlock[])
    .filter((b) => API_BLOCK_TYPES.has(b.type) && !(b.type === "text" && !(b as { text?: string }).text))
    .map((b) => ({ ...b }) as WireBlock);
}

function toolResultBlock(message: Message): WireBlock {
  const blocks = contentBlocks(message.content).filter((b) => b.type === "text" || b.type === "image");
  const block: WireBlock = {
    type: "tool_result",
    tool_use_id: message.tool_call_id ?? "",
    content:
      blocks.length === 0
        ? "(no output)"
        : blocks.length === 1 && blocks[0].type === "text"
          ? String(blocks[0].text)
          : blocks,
  };
  if (message.metadata?.is_error) block.is_error = true;
  return block;
}

function assistantBlocks(message: Message): WireBlock[] {
  const blocks = contentBlocks(message.content);
  const calls = message.tool_calls ?? [];
  if (calls.length === 0) return blocks;
  // tool_calls are the source of truth; drop tool_use blocks also kept in content so none is sent twice.
  const ids = new Set(calls.map((c) => c.id));
  return [
    ...blocks.filter((b) => !(b.type === "tool_use" && ids.has(String(b.id)))),
    ...calls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.args ?? {} })),
  ];
}

/** Converts a Skein history to the request's `system` + `messages`. */
export function toWireRequest(messages: readonly Message[], system?: string): WireRequest {
  const systemParts = system ? [system] : [];
  const out: WireMessage[] = [];
  const push = (role: "user" | "assistant", blocks: WireBlock[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) {
      last.content = [...last.content, ...blocks];
      // tool_result blocks must open the user message that answers the tool calls (stable sort keeps order).
      if (role === "user")
        last.content.sort((a, b) => Number(b.type === "tool_result") - Number(a.type === "tool_result"));
    } else {
      out.push({ role, content: blocks });
    }
  };
  for (const message of messages) {
    switch (message.role) {
      case "system":
        if (messageText(message)) systemParts.push(messageText(message));
        break;
      case "tool":
        push("user", [toolResultBlock(message)]);
        break;
      case "assistant":
        push("assistant", assistantBlocks(message));
        break;
      default:
        push("user", contentBlocks(message.content));
    }
  }
  return { system: systemParts.length ? systemParts.join("\n\n") : undefined, messages: out };
}

/** The API's final message (accumulated from the stream) → a Skein assistant message. */
export function fromWireMessage(wire: {
  content: WireBlock[];
  model?: string;
  stop_reason?: string | null;
  usage?: Record<string, unknown>;
}): Message {
  const text = wire.content
    .filter((b) => b.type === "text")
    .map((b) => String(b.text ?? ""))
    .join("");
  const toolCalls: ToolCall[] = wire.content
    .filter((b) => b.type === "tool_use")
    .map((b) => ({ id: String(b.id), name: String(b.name), args: (b.input ?? {}) as Record<string, unknown> }));
  const others = wire.content.filter((b) => b.type !== "text" && b.type !== "tool_use");
  const metadata: MessageMetadata = { createdAt: new Date().toISOString() };
  if (wire.usage) metadata.usage = numericUsage(wire.usage);
  if (wire.model) metadata.model = wire.model;
  if (wire.stop_reason !== undefined) metadata.stop_reason = wire.stop_reason;
  const message: Message = {
    role: "assistant",
    // Plain text stays a string (what the webview renders); thinking and other blocks are kept as blocks.
    content: others.length ? [...(text ? [{ type: "text", text }] : []), ...others] : text,
    metadata,
  };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return message;
}

function numericUsage(usage: Record<string, unknown>): NonNullable<MessageMetadata["usage"]> {
  const out: Record<string, number> = { input_tokens: 0, output_tokens: 0 };
  for (const [k, v] of Object.entries(usage)) if (typeof v === "number") out[k] = v;
  return out as NonNullable<MessageMetadata["usage"]>;
}
