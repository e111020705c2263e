/**
 * Messages are plain JSON objects, so they serialise as they are into any store and the webview.
 * The reducer and removal markers live here too.
 */
import { v4 as uuid4 } from "uuid";
import { Annotation } from "./annotation";
import { InvalidUpdateError } from "./errors";

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
  | { id?: string; role: "human" | "ai"; content: string | ContentBlock[]; [key: string]: unknown }
  | [role: MessageRole | "human" | "ai", content: string | ContentBlock[]];

/** The plain text of a message's content (text blocks joined). */
export function messageText(message: Pick<Message, "content">): string {
  if (typeof message.content === "string") return message.content;
  return message.content
    .filter((block): block is TextBlock => block.type === "text" && typeof (block as TextBlock).text === "string")
    .map((block) => block.text)
    .join("");
}

// ---------------------------------------------------------------------------------------------------------
// The messages reducer (LangGraph `messagesStateReducer`) and its removal markers.

/** Id of the marker that removes every message before it: `removeMessage(REMOVE_ALL_MESSAGES)`. */
export const REMOVE_ALL_MESSAGES = "__remove_all__";

/** Removal marker: in an update, deletes the stored message with this id. Plain JSON, like messages. */
export interface RemoveMessage {
  type: "remove";
  id: string;
}

export function removeMessage(id: string): RemoveMessage {
  return { type: "remove", id };
}

export function isRemoveMessage(value: unknown): value is RemoveMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as RemoveMessage).type === "remove" &&
    typeof (value as RemoveMessage).id === "string" &&
    !("role" in value)
  );
}

/** What the `messages` key accepts as an update: one item or a list. */
export type MessagesUpdate = MessageLike | RemoveMessage | (MessageLike | RemoveMessage)[];

const ROLE_ALIASES: Record<string, MessageRole> = {
  human: "user",
  ai: "assistant",
  user: "user",
  assistant: "assistant",
  system: "system",
  tool: "tool",
};

/** Turns a message-like into a stored message (new object; the input is never mutated). */
export function coerceMessage(like: MessageLike): StoredMessage {
  if (typeof like === "string") return { id: uuid4(), role: "user", content: like };
  // `["user", "hi"]`: the [role, content] pair LangGraph's older how-tos use.
  if (Array.isArray(like) && like.length === 2 && typeof like[0] === "string")
    return coerceMessage({ role: like[0], content: like[1] } as MessageLike);
  if (typeof like !== "object" || like === null) {
    throw new InvalidUpdateError(
      `Expected a message ({ role, content }) or a string, got ${JSON.stringify(like)}.`,
      "INVALID_MESSAGE",
    );
  }
  const raw = like as { role?: unknown; type?: unknown; id?: unknown; content?: unknown };
  const roleName = typeof raw.role === "string" ? raw.role : typeof raw.type === "string" ? raw.type : undefined;
  const role = roleName === undefined ? undefined : ROLE_ALIASES[roleName];
  if (!role) {
    throw new InvalidUpdateError(
      `Message role ${JSON.stringify(roleName)} is not one of user, assistant, system, tool (or human, ai).`,
      "INVALID_MESSAGE",
    );
  }
  if (typeof raw.content !== "string" && !Array.isArray(raw.content)) {
    throw new InvalidUpdateError(
      `Message content must be a string or a list of blocks, got ${JSON.stringify(raw.content)}.`,
      "INVALID_MESSAGE",
    );
  }
  const { type: _type, ...rest } = like as Record<string, unknown>;
  const id = typeof raw.id === "string" && raw.id !== "" ? raw.id : uuid4();
  if (raw.role === role && typeof raw.id === "string" && raw.id !== "" && _type === undefined)
    return like as StoredMessage;
  return { ...(rest as unknown as Message), role, id };
}

function hasId(item: unknown): boolean {
  return (
    typeof item === "object" &&
    item !== null &&
    typeof (item as { id?: unknown }).id === "string" &&
    (item as { id: string }).id !== ""
  );
}

/**
 * Appends messages, assigns ids (which are then persisted), replaces by id in place, removes by id (unknown id
 * → error), and `removeMessage(REMOVE_ALL_MESSAGES)` keeps only what follows it. The left side is already
 * stored (ids present), so only the right side is coerced; the cost is one pass over the left for the id index.
 */
export function messagesStateReducer(left: StoredMessage[], right: MessagesUpdate): StoredMessage[] {
  const rightItems = Array.isArray(right) ? right : [right];
  if (rightItems.length === 0) return left;
  const leftItems = Array.isArray(left) ? left : [left];
  const incoming: (StoredMessage | RemoveMessage)[] = [];
  const minted = new Set<object>();
  let removeAllAt = -1;
  for (const item of rightItems) {
    if (item === REMOVE_ALL_MESSAGES || (isRemoveMessage(item) && item.id === REMOVE_ALL_MESSAGES)) {
      removeAllAt = incoming.length;
      incoming.push(removeMessage(REMOVE_ALL_MESSAGES));
    } else if (isRemoveMessage(item)) incoming.push(item);
    else {
      const message = coerceMessage(item as MessageLike);
      if (!hasId(item)) minted.add(message);
      incoming.push(message);
    }
  }
  if (removeAllAt >= 0) {
    return incoming.slice(removeAllAt + 1).filter((m): m is StoredMessage => !isRemoveMessage(m));
  }
  const merged = leftItems.slice();
  // Ids the reducer just minted cannot collide, so plain appends never pay for an index of the history.
  let indexById: Map<string, number> | undefined;
  const indexOf = (id: string): number | undefined => {
    if (!indexById) {
      indexById = new Map();
      merged.forEach((m, i) => indexById!.set(m.id, i));
    }
    return indexById.get(id);
  };
  const removed = new Set<string>();
  for (const item of incoming) {
    const at = minted.has(item) ? undefined : indexOf(item.id);
    if (isRemoveMessage(item)) {
      if (at === undefined) {
        throw new InvalidUpdateError(
          `Attempting to delete a message with an ID that doesn't exist ('${item.id}').`,
          "MESSAGE_NOT_FOUND",
        );
      }
      removed.add(item.id);
    } else if (at !== undefined) {
      removed.delete(item.id);
      merged[at] = item;
    } else {
      indexById?.set(item.id, merged.length);
      merged.push(item);
    }
  }
  return removed.size ? merged.filter((m) => !removed.has(m.id)) : merged;
}

/** `{ messages }` with the messages reducer — the state of a chat graph. */
export const MessagesAnnotation = Annotation.Root({
  messages: Annotation<StoredMessage[], MessagesUpdate>({ reducer: messagesStateReducer, default: () => [] }),
});
