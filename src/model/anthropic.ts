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
 * Reading the response stream (events, the size cap, the final and partial message) is anthropicStream.ts's.
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
import { MAX_REPLY_CHARS } from "../checkpoint/limits";
import { toWireRequest } from "./convert";
import { endCapped, finalMessage, newProgress, partialMessage, readEvent, type Progress } from "./anthropicStream";

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
      const progress = newProgress();
      try {
        yield* this.attempt(client, params, signal, progress);
        return;
      } catch (raw) {
        const error = this.classify(raw, signal);
        const partial = partialMessage(progress);
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
          const outcome = yield* readEvent(event, progress, this.maxReplyChars);
          if (outcome === "stop") stopped = true;
          capped = outcome === "capped";
          if (capped) break;
        }
      } finally {
        clearTimeout(timer);
      }
      if (capped) {
        yield* endCapped(progress, this.maxReplyChars);
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
      yield { type: "message", message: finalMessage(progress) };
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
