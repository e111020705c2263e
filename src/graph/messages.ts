/**
 * Messages are plain JSON objects, so they serialise as they are into any store and the webview.
 * (The reducer and removal markers live here too; see the runtime issue.)
 */

export type MessageRole = "user" | "assistant" | "system" | "tool";

export interface TextBlock {
  type: "text";
  text: string;
}

export interface ImageBlock {
  type: "image";
  source: { type: "base64"; media_type: string; data: string };
}

/** Other provider blocks pass through untouched. */
export interface OtherBlock {
  type: string;
  [key: string]: unknown;
}

export type ContentBlock = TextBlock | ImageBlock | OtherBlock;

export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export interface MessageMetadata {
  /** Token usage of the model call that produced an assistant message. */
  usage?: { input_tokens: number; output_tokens: number; [key: string]: number };
  model?: string;
  stop_reason?: string | null;
  /** The reply stopped before it finished (cancelled, crashed, failed mid-stream). */
  interrupted?: boolean;
  /** For a tool message: the tool failed (sent to the API as `is_error: true`). */
  is_error?: boolean;
  /** ISO time the message was created. */
  createdAt?: string;
  [key: string]: unknown;
}

export interface Message {
  id?: string;
  role: MessageRole;
  content: string | ContentBlock[];
  /** Assistant only: tool calls requested by the model. */
  tool_calls?: ToolCall[];
  /** Tool only: the id of the tool call this message answers. */
  tool_call_id?: string;
  /** Tool only: the tool's name. */
  name?: string;
  metadata?: MessageMetadata;
}

/** A message as stored: the reducer always assigns an id. */
export type StoredMessage = Message & { id: string };

/** What input may contain: messages, LangGraph's "human"/"ai" roles, or a bare string (a user message). */
export type MessageLike =
  | Message
  | string
  | { id?: string; role: "human" | "ai"; content: string | ContentBlock[]; [key: string]: unknown };

/** The plain text of a message's content (text blocks joined). */
export function messageText(message: Pick<Message, "content">): string {
  if (typeof message.content === "string") return message.content;
  return message.content
    .filter((block): block is TextBlock => block.type === "text" && typeof (block as TextBlock).text === "string")
    .map((block) => block.text)
    .join("");
}
