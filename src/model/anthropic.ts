/**
 * `ChatModel` on @anthropic-ai/sdk 1.x. What it adds to the SDK (see shared/notes/anthropic-sdk.md):
 * - the key and base URL are always passed explicitly (1.x would otherwise read ~/.config/anthropic);
 * - the SDK is imported lazily on the first call, so activating the extension does not load it;
 * - its own retries (retryPolicy.ts): a long `retry-after` fails at once naming when to try again, and
 *   one deadline (`requestTimeoutMs`) bounds the whole wait for the response to start, retries included;
 * - an idle watchdog, because the SDK's timeout does not cover a stream that goes silent;
 * - a cap on the reply's size: beyond it the rest is not received and the reply ends with a note;
 * - a stream that ends without `message_stop` is an error, not a short reply;
 * - one extra attempt when the stream fails with `overloaded` before any token reached the caller
 *   (the SDK retries HTTP errors, never an `event: error` inside a started stream);
 * - every failure becomes a `ModelError` with a stable code and the partial reply attached.
 */
import type { Message } from "../graph/messages";
import type { ChatModel, ChatModelCallOptions, ModelEvent } from "./types";
import {
  IncompleteStreamError,
  MissingApiKeyError,
  ModelCancelledError,
  ModelError,
  RequestTimeoutError,
  StalledStreamError,
} from "./errors";
import { formatWait, mapAnthropicError, redactSecret } from "./mapError";
import { retryDecision, sleep } from "./retryPolicy";
import { MAX_NESTING_DEPTH, MAX_REPLY_CHARS, formatBytes, nestsDeeperThan } from "../checkpoint/limits";
import { fromWireMessage, toWireRequest } from "./convert";
import type { WireBlock } from "./convert";

export interface AnthropicChatModelOptions {
  apiKey: string | undefined;
  /** e.g. a local Messages-API server; default https://api.anthropic.com */
  baseURL?: string;
  model: string;
  /** Reply budget (max_tokens); default 8192. */
  maxTokens?: number;
  /** Extra headers; a `null` value removes a default header (e.g. `Authorization: null` with `x-api-key`). */
  headers?: Record<string, string | null>;
  /** Retries of HTTP errors and connection failures before the response starts (default 2). */
  maxRetries?: number;
  /** Longest wait a server may ask for (`retry-after`) that is waited out before retrying (default 10 s); longer fails at once. */
  maxRetryWaitMs?: number;
  /** Silence tolerated while streaming before the call fails as stalled (default 60 s). */
  idleTimeoutMs?: number;
  /** Time allowed until the response starts, all attempts and waits between them included (default 60 s). */
  requestTimeoutMs?: number;
  /** Characters of reply (text and tool arguments) received before the rest is cut off (default MAX_REPLY_CHARS). */
  maxReplyChars?: number;
  /** Context window in tokens (default 200,000, the Claude models' window). */
  contextWindow?: number;
}

type SdkClient = import("@anthropic-ai/sdk").Anthropic;

interface BlockState {
  block: WireBlock;
  json: string;
  /** content_block_stop arrived. */
  done?: boolean;
}

interface Progress {
  /** Something reached the caller (an overload then is no longer retried). */
  delivered: boolean;
  blocks: BlockState[];
  head: Record<string, unknown>;
  /** Characters received so far (text, thinking, tool arguments). */
  size: number;
}

const MAX_STREAM_OVERLOAD_RETRIES = 1;

export class AnthropicChatModel implements ChatModel {
  readonly model: string;
  readonly maxTokens: number;
  readonly contextWindow: number;
  private readonly idleTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxReplyChars: number;
  private clientPromise?: Promise<SdkClient>;

  constructor(private readonly options: AnthropicChatModelOptions) {
    this.model = options.model;
    this.maxTokens = options.maxTokens ?? 8192;
    this.contextWindow = options.contextWindow ?? 200_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.maxReplyChars = options.maxReplyChars ?? MAX_REPLY_CHARS;
  }

  private client(): Promise<SdkClient> {
    if (!this.options.apiKey) return Promise.reject(new MissingApiKeyError());
    this.clientPromise ??= import("@anthropic-ai/sdk").then(
      (sdk) =>
        new sdk.Anthropic({
          apiKey: this.options.apiKey,
          // null → the SDK's default; never undefined, which would let ANTHROPIC_BASE_URL leak in.
          baseURL: this.options.baseURL || "https://api.anthropic.com",
          // Retries are Skein's (open()): the SDK would sleep through any retry-after.
          maxRetries: 0,
          timeout: this.requestTimeoutMs,
          defaultHeaders: this.options.headers,
          logLevel: "off",
        }),
    );
    return this.clientPromise;
  }

  private mapContext() {
    return { model: this.model, baseURL: this.options.baseURL, apiKey: this.options.apiKey };
  }

  async *stream(messages: readonly Message[], options: ChatModelCallOptions = {}): AsyncGenerator<ModelEvent> {
    const { signal } = options;
    if (signal?.aborted) throw new ModelCancelledError(signal.reason);
    const client = await this.client();
    const wire = toWireRequest(messages, options.system);
    const params: Record<string, unknown> = {
      model: this.model,
      max_tokens: this.maxTokens,
      messages: wire.messages,
      stream: true,
    };
    if (wire.system) params.system = wire.system;
    if (options.tools?.length) params.tools = options.tools;

    for (let attempt = 0; ; attempt++) {
      const progress: Progress = { delivered: false, blocks: [], head: {}, size: 0 };
      try {
        yield* this.attempt(client, params, signal, progress);
        return;
      } catch (raw) {
        const error = this.classify(raw, signal);
        const partial = partialMessage(progress.blocks, progress.head);
        if (partial) error.partial = partial;
        const retry =
          !progress.delivered &&
          error.code === "OVERLOADED" &&
          error.status === undefined &&
          attempt < MAX_STREAM_OVERLOAD_RETRIES;
        if (!retry) throw error;
        yield { type: "retry", attempt: attempt + 1, reason: error.message };
      }
    }
  }

  /** Every error this adapter throws goes through here or mapAnthropicError: both strip the key. */
  private classify(raw: unknown, signal: AbortSignal | undefined): ModelError {
    if (raw instanceof ModelError) return redactSecret(raw, this.options.apiKey);
    if (signal?.aborted) return redactSecret(new ModelCancelledError(signal.reason), this.options.apiKey);
    return mapAnthropicError(raw, this.mapContext());
  }

  /**
   * Sends the request until a response starts, retrying what retryPolicy.ts allows. One deadline covers it
   * all (headers that never come, retries, the waits between them); it is cleared once the response starts,
   * where the idle watchdog takes over.
   */
  private async *open(
    client: SdkClient,
    params: Record<string, unknown>,
    controller: AbortController,
    deadline: { passed: boolean },
  ): AsyncGenerator<ModelEvent, AsyncIterable<Record<string, any>>> {
    const started = Date.now();
    const timer = setTimeout(() => {
      deadline.passed = true;
      controller.abort();
    }, this.requestTimeoutMs);
    try {
      for (let retry = 0; ; retry++) {
        try {
          return (await client.messages.create(params as never, {
            signal: controller.signal,
          })) as unknown as AsyncIterable<Record<string, any>>;
        } catch (error) {
          if (controller.signal.aborted) throw error;
          const decision = retryDecision(error, retry, {
            maxRetries: this.options.maxRetries ?? 2,
            maxWaitMs: this.options.maxRetryWaitMs ?? 10_000,
            remainingMs: this.requestTimeoutMs - (Date.now() - started),
          });
          if (!decision) throw error;
          yield { type: "retry", attempt: retry + 1, reason: decision.reason };
          await sleep(decision.waitMs, controller.signal);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private timeoutError(cause: unknown): RequestTimeoutError {
    const where = this.options.baseURL ? ` at ${this.options.baseURL}` : "";
    return new RequestTimeoutError(
      `The Anthropic API${where} did not start answering within ${formatWait(this.requestTimeoutMs)} (the request timeout setting). Check your connection and try again.`,
      "TIMEOUT",
      { retryable: true, cause },
    );
  }

  /** One request (retried by open() until it starts), then its stream. */
  private async *attempt(
    client: SdkClient,
    params: Record<string, unknown>,
    signal: AbortSignal | undefined,
    progress: Progress,
  ): AsyncGenerator<ModelEvent> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stalled = false;
    let stopped = false;
    let capped = false;
    const deadline = { passed: false };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.idleTimeoutMs);
    };
    try {
      const stream = yield* this.open(client, params, controller, deadline);
      arm();
      try {
        for await (const event of stream) {
          arm();
          switch (event.type) {
            case "message_start":
              Object.assign(progress.head, event.message);
              break;
            case "content_block_start": {
              const block = { ...event.content_block } as WireBlock;
              progress.blocks[event.index] = { block, json: "" };
              if (block.type === "tool_use") {
                progress.delivered = true;
                yield {
                  type: "tool_call_delta",
                  index: toolIndex(progress.blocks, event.index),
                  id: String(block.id),
                  name: String(block.name),
                };
              }
              break;
            }
            case "content_block_delta": {
              const state = progress.blocks[event.index];
              if (!state) break;
              const delta = event.delta;
              if (delta.type === "text_delta") {
                const text = this.fit(progress, String(delta.text ?? ""));
                capped = text.length < String(delta.text ?? "").length;
                state.block.text = String(state.block.text ?? "") + text;
                progress.delivered = true;
                if (text) yield { type: "text", text };
              } else if (delta.type === "input_json_delta") {
                const json = String(delta.partial_json ?? "");
                // Half a tool call's arguments cannot be run: it is dropped when the cap cuts into it.
                if (this.fit(progress, json).length < json.length) capped = true;
                else {
                  state.json += json;
                  if (json)
                    yield { type: "tool_call_delta", index: toolIndex(progress.blocks, event.index), argsDelta: json };
                }
              } else if (delta.type === "thinking_delta") {
                const thinking = this.fit(progress, String(delta.thinking ?? ""));
                capped = thinking.length < String(delta.thinking ?? "").length;
                state.block.thinking = String(state.block.thinking ?? "") + thinking;
              } else if (delta.type === "signature_delta") {
                state.block.signature = delta.signature;
              }
              break;
            }
            case "content_block_stop": {
              const state = progress.blocks[event.index];
              if (state) state.done = true;
              if (state?.block.type === "tool_use") state.block.input = parseArgs(state.json);
              break;
            }
            case "message_delta":
              if (event.delta?.stop_reason !== undefined) progress.head.stop_reason = event.delta.stop_reason;
              progress.head.usage = { ...(progress.head.usage as object), ...event.usage };
              break;
            case "message_stop":
              stopped = true;
              break;
          }
          if (capped) break;
        }
      } finally {
        clearTimeout(timer);
      }
      if (capped) {
        yield* this.endCapped(progress);
        return;
      }
      if (stalled) {
        throw new StalledStreamError(
          `The reply stalled: no data for ${Math.round(this.idleTimeoutMs / 1000)} s, so Skein gave up. Try again.`,
          "STALLED",
          { retryable: true },
        );
      }
      if (signal?.aborted) throw new ModelCancelledError(signal.reason);
      if (!stopped) {
        throw new IncompleteStreamError(
          "The reply ended before it was complete (the stream closed without message_stop). Try again.",
          "INCOMPLETE_STREAM",
          {
            retryable: true,
          },
        );
      }
      const message = fromWireMessage({
        content: progress.blocks.filter(Boolean).map((s) => s.block),
        model: progress.head.model as string | undefined,
        stop_reason: progress.head.stop_reason as string | null | undefined,
        usage: progress.head.usage as Record<string, unknown> | undefined,
      });
      yield { type: "message", message };
    } catch (error) {
      if (deadline.passed && !(error instanceof ModelError) && !signal?.aborted) throw this.timeoutError(error);
      if (stalled && !(error instanceof ModelError)) {
        throw new StalledStreamError(
          `The reply stalled: no data for ${Math.round(this.idleTimeoutMs / 1000)} s, so Skein gave up. Try again.`,
          "STALLED",
          {
            retryable: true,
            cause: error,
          },
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Whatever ended this attempt (break, error, return), the HTTP request must not outlive it.
      if (!stopped) controller.abort();
    }
  }

  /** The part of `piece` that still fits under the reply cap (counted into `progress.size`). */
  private fit(progress: Progress, piece: string): string {
    const room = Math.max(0, this.maxReplyChars - progress.size);
    let kept = piece.length <= room ? piece : piece.slice(0, room);
    const last = kept.charCodeAt(kept.length - 1);
    if (kept.length < piece.length && last >= 0xd800 && last <= 0xdbff) kept = kept.slice(0, -1);
    progress.size += kept.length;
    return kept;
  }

  /** The reply hit the size cap: what fits becomes the final message, with a note saying the rest was not received. */
  private async *endCapped(progress: Progress): AsyncGenerator<ModelEvent> {
    const note = `\n\n*[Skein stopped receiving this reply at its size limit (${formatBytes(this.maxReplyChars)}); the rest was not received.]*`;
    yield { type: "text", text: note };
    const kept = progress.blocks.filter((s) => s && (s.block.type !== "tool_use" || s.done)).map((s) => s.block);
    const message = fromWireMessage({
      content: [...kept, { type: "text", text: note }],
      model: progress.head.model as string | undefined,
      stop_reason: "size_limit",
      usage: progress.head.usage as Record<string, unknown> | undefined,
    });
    message.metadata = { ...message.metadata, sizeLimited: true };
    yield { type: "message", message };
  }

  async countTokens(messages: readonly Message[], options: Omit<ChatModelCallOptions, "signal"> = {}): Promise<number> {
    const client = await this.client();
    const wire = toWireRequest(messages, options.system);
    const params: Record<string, unknown> = { model: this.model, messages: wire.messages };
    if (wire.system) params.system = wire.system;
    if (options.tools?.length) params.tools = options.tools;
    try {
      const result = await client.messages.countTokens(params as never);
      return result.input_tokens;
    } catch (error) {
      throw mapAnthropicError(error, this.mapContext());
    }
  }

  /** Model ids offered by the server, for a model picker. */
  async listModels(): Promise<{ id: string; displayName: string }[]> {
    const client = await this.client();
    try {
      const out: { id: string; displayName: string }[] = [];
      for await (const m of client.models.list()) out.push({ id: m.id, displayName: m.display_name ?? m.id });
      return out;
    } catch (error) {
      throw mapAnthropicError(error, this.mapContext());
    }
  }
}

/** Position of a tool_use block among the message's tool_use blocks (stable for the UI). */
function toolIndex(blocks: BlockState[], blockIndex: number): number {
  let n = 0;
  for (let i = 0; i < blockIndex; i++) if (blocks[i]?.block.type === "tool_use") n++;
  return n;
}

/** A tool call's arguments sit three levels inside the stored message (message → tool_calls → call → args). */
const MAX_ARGS_DEPTH = MAX_NESTING_DEPTH - 3;

function parseArgs(json: string): Record<string, unknown> {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    // Deeper than Skein stores (and so exports): kept as the raw text, like arguments that are not JSON.
    if (nestsDeeperThan(value, MAX_ARGS_DEPTH)) return { _raw: json };
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { _raw: json };
  }
}

/** The assistant message as far as it streamed, or undefined when nothing did. Unfinished tool calls are dropped. */
function partialMessage(blocks: BlockState[], head: Record<string, unknown>): Message | undefined {
  const kept = blocks.filter((s) => s && s.block.type === "text" && s.block.text);
  if (kept.length === 0) return undefined;
  const message = fromWireMessage({
    content: kept.map((s) => s.block),
    model: head.model as string | undefined,
    stop_reason: null,
    usage: head.usage as Record<string, unknown> | undefined,
  });
  message.metadata = { ...message.metadata, interrupted: true };
  return message;
}
