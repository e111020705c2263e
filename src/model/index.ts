/** The model layer's public entry: the `ChatModel` contract, the Anthropic adapter, errors, conversion. */
export type { ChatModel, ChatModelCallOptions, ModelEvent, ToolDefinition } from "./types";
export { AnthropicChatModel } from "./anthropic";
export type { AnthropicChatModelOptions } from "./anthropic";
export * from "./errors";
export { toWireRequest, fromWireMessage } from "./convert";
export { mapAnthropicError, retryAfterMs, formatWait } from "./mapError";
