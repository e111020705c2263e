/**
 * The model contract the chat graph runs against. Providers (today: Anthropic) implement `ChatModel`;
 * tests use the real adapter against the local mock server rather than a fake model.
 */
import type { Message } from "../graph/messages";

/** A tool the model may call, in the Messages API's shape (JSON Schema input). */
export interface ToolDefinition {
  name: string;
  description?: string;
  input_schema: { type: "object"; properties?: Record<string, unknown>; required?: string[]; [key: string]: unknown };
}

export interface ChatModelCallOptions {
  /** System prompt, sent separately from the messages (system-role messages are appended to it). */
  system?: string;
  tools?: ToolDefinition[];
  /** Aborting cancels the HTTP request at once; the stream then throws `ModelCancelledError`. */
  signal?: AbortSignal;
}

/** What a model stream yields, in order: deltas as they arrive, then exactly one final `message`. */
export type ModelEvent =
  /** A piece of assistant text, in order; joined they equal the final message's text. */
  | { type: "text"; text: string }
  /** Start (`id`, `name`) or a fragment (`argsDelta`: partial JSON) of the `index`-th tool call. */
  | { type: "tool_call_delta"; index: number; id?: string; name?: string; argsDelta?: string }
  /** The model retries a failed attempt before anything reached the caller (informational). */
  | { type: "retry"; attempt: number; reason: string }
  /** The finished assistant message: content, tool_calls, metadata.usage / model / stop_reason. */
  | { type: "message"; message: Message };

export interface ChatModel {
  /** Model id, for metadata and the context window default. */
  readonly model: string;
  /** Tokens the model accepts in one request (input + output), used to fit the context by default. */
  readonly contextWindow: number;
  /** Tokens reserved for the reply (max_tokens). */
  readonly maxTokens: number;
  /**
   * Streams one assistant turn. Throws a `ModelError` (src/model/errors.ts) on failure, carrying the
   * partial assistant message when some of it had already streamed.
   */
  stream(messages: readonly Message[], options?: ChatModelCallOptions): AsyncIterable<ModelEvent>;
  /** Exact input token count from the provider, when it offers one. */
  countTokens?(messages: readonly Message[], options?: Omit<ChatModelCallOptions, "signal">): Promise<number>;
}
