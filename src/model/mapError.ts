/**
 * Turns whatever the SDK threw into a `ModelError` with a user-facing sentence. Duck-typed on the SDK's
 * error fields (`status`, `name`, `apiMessage`, `type`, `headers`, `requestID`) so this module does not
 * load the SDK: it stays lazily imported for fast activation.
 */
import { clipText } from "../checkpoint/limits";
import {
  AuthenticationFailedError,
  ConnectionFailedError,
  EndpointNotFoundError,
  InvalidRequestError,
  MalformedResponseError,
  ModelError,
  ModelNotFoundError,
  ModelOverloadedError,
  PermissionDeniedError,
  RateLimitedError,
  RequestTimeoutError,
  ServerError,
  StreamError,
  UnexpectedModelError,
} from "./errors";
import type { ModelErrorDetails } from "./errors";

interface SdkErrorLike {
  name?: string;
  message?: string;
  status?: number;
  apiMessage?: string | null;
  type?: string | null;
  requestID?: string | null;
  headers?: { get(name: string): string | null };
  cause?: unknown;
}

export interface MapContext {
  model: string;
  baseURL?: string;
  /** The key the request carried: removed from every text of the error (a server or proxy may echo it). */
  apiKey?: string;
}

const REDACTED = "[redacted]";

/** Keys shorter than this are not searched for (a tiny string would mangle ordinary text; real keys are long). */
const MIN_SECRET_LENGTH = 8;

function redactText<T extends string | undefined>(text: T, secret: string): T {
  return (typeof text === "string" && text.includes(secret) ? text.split(secret).join(REDACTED) : text) as T;
}

/**
 * Removes the API key from a model error before it leaves the model layer — its message, apiMessage and the
 * cause chain (replaced by plain errors with redacted text) — so neither the graph's stored `__error__` write nor
 * any log or view can carry it. Returns the same error, changed in place.
 */
export function redactSecret(error: ModelError, secret: string | undefined): ModelError {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return error;
  error.message = redactText(error.message, secret);
  if (error.apiMessage?.includes(secret))
    Object.defineProperty(error, "apiMessage", { value: redactText(error.apiMessage, secret), enumerable: true });
  if (error.stack?.includes(secret)) error.stack = redactText(error.stack, secret);
  if (error.cause !== undefined)
    Object.defineProperty(error, "cause", {
      value: redactCause(error.cause, secret, 0),
      enumerable: false,
      configurable: true,
      writable: true,
    });
  return error;
}

/** The SDK's error (whose message, body and headers may quote the key) becomes a plain Error with its text redacted. */
function redactCause(cause: unknown, secret: string, depth: number): unknown {
  if (cause === undefined || cause === null || depth > 5) return undefined;
  const text = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : undefined;
  if (text === undefined) return undefined;
  const plain = new Error(redactText(text, secret));
  plain.name = cause instanceof Error ? cause.name : "Error";
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string") Object.assign(plain, { code });
  const status = (cause as { status?: unknown }).status;
  if (typeof status === "number") Object.assign(plain, { status });
  plain.stack = redactText(cause instanceof Error ? cause.stack : undefined, secret);
  const inner = cause instanceof Error ? cause.cause : undefined;
  if (inner !== undefined) plain.cause = redactCause(inner, secret, depth + 1);
  return plain;
}

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: SdkErrorLike["headers"]): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get("retry-after");
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.max(1, Math.round(ms / 100) / 10)} s`;
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** The network error code somewhere in the cause chain (ECONNREFUSED, ENOTFOUND …). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$|^UND_ERR|^ERR_TLS|CERT/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function mapAnthropicError(error: unknown, context: MapContext): ModelError {
  return redactSecret(mapError(error, context), context.apiKey);
}

function mapError(error: unknown, context: MapContext): ModelError {
  if (error instanceof ModelError) return error;
  const e = (error ?? {}) as SdkErrorLike;
  // A server may send megabytes of error text: what is shown and stored is capped.
  const apiMessage = typeof e.apiMessage === "string" ? clipText(e.apiMessage) : undefined;
  const details: ModelErrorDetails = {
    apiMessage,
    status: e.status,
    requestId: e.requestID ?? undefined,
    apiType: e.type ?? undefined,
    cause: error,
  };
  const quoted = apiMessage ? ` The API said: “${apiMessage}”.` : "";
  const where = context.baseURL ? ` at ${context.baseURL}` : "";

  if (e.name === "APIConnectionTimeoutError") {
    return new RequestTimeoutError(
      `The Anthropic API${where} did not answer in time. Check your connection and try again.`,
      "TIMEOUT",
      { ...details, retryable: true },
    );
  }
  if (e.name === "APIConnectionError" || (e.status === undefined && networkCode(error))) {
    const code = networkCode(error);
    const reason =
      code === "ECONNREFUSED"
        ? "the connection was refused (is the server running?)"
        : code === "ENOTFOUND" || code === "EAI_AGAIN"
          ? "the host name could not be resolved (DNS); check the base URL and your network"
          : code === "ECONNRESET"
            ? "the connection was reset (a proxy or firewall may be interfering)"
            : code && /CERT|TLS/.test(code)
              ? `a TLS certificate problem (${code}); a proxy that intercepts HTTPS needs its certificate trusted`
              : code
                ? `a network error (${code}); check your connection and proxy settings`
                : "a network error; check your connection and proxy settings";
    return new ConnectionFailedError(`Could not reach the Anthropic API${where}: ${reason}.`, "CONNECTION_FAILED", {
      ...details,
      retryable: true,
    });
  }

  const status = e.status;
  if (status === 407) {
    return new ConnectionFailedError(
      `A proxy between you and the Anthropic API${where} requires authentication (407).${quoted} Check VS Code's proxy settings.`,
      "CONNECTION_FAILED",
      details,
    );
  }
  if (status === 401) {
    return new AuthenticationFailedError(
      `The Anthropic API rejected the API key (401).${quoted} Set a valid key and try again.`,
      "AUTHENTICATION_FAILED",
      details,
    );
  }
  if (status === 403) {
    return new PermissionDeniedError(
      `The API key is not allowed to do this (403).${quoted}`,
      "PERMISSION_DENIED",
      details,
    );
  }
  if (status === 404) {
    if (!apiMessage || /model/i.test(apiMessage)) {
      return new ModelNotFoundError(
        `Model “${context.model}” was not found (404).${quoted} Choose another model in Skein's settings.`,
        "MODEL_NOT_FOUND",
        details,
      );
    }
    return new EndpointNotFoundError(
      `Not found (404)${where}.${quoted} Check the base URL setting.`,
      "NOT_FOUND",
      details,
    );
  }
  if (status === 429) {
    const wait = retryAfterMs(e.headers);
    const when = wait === undefined ? "Wait a moment and try again." : `Try again in ${formatWait(wait)}.`;
    return new RateLimitedError(`Rate limited by the Anthropic API (429).${quoted} ${when}`, "RATE_LIMITED", {
      ...details,
      retryable: true,
      retryAfterMs: wait,
    });
  }
  if (status === 529 || e.type === "overloaded_error") {
    const mid = status === undefined ? " while streaming" : "";
    return new ModelOverloadedError(
      `The Anthropic API is overloaded${mid}${status ? ` (${status})` : ""}.${quoted} Try again in a little while.`,
      "OVERLOADED",
      {
        ...details,
        retryable: true,
        retryAfterMs: retryAfterMs(e.headers),
      },
    );
  }
  if (status === undefined && e.name === "APIError") {
    // An `event: error` frame inside a started stream.
    return new StreamError(
      `The reply broke off: the API sent an error while streaming.${quoted || (e.message ? ` (${clipText(e.message)})` : "")}`,
      "STREAM_ERROR",
      {
        ...details,
        retryable: true,
      },
    );
  }
  if (status === 400 || status === 413 || status === 422) {
    return new InvalidRequestError(`The API refused the request (${status}).${quoted}`, "INVALID_REQUEST", details);
  }
  if (status !== undefined && status >= 500) {
    return new ServerError(`The Anthropic API had an internal error (${status}).${quoted} Try again.`, "SERVER_ERROR", {
      ...details,
      retryable: true,
    });
  }
  if (status !== undefined) {
    return new InvalidRequestError(
      `The Anthropic API returned an error (${status}).${quoted}`,
      "INVALID_REQUEST",
      details,
    );
  }
  if (e.name === "SyntaxError") {
    // The SDK parses each event's JSON; a server (or proxy) that is not the Messages API fails here.
    return new MalformedResponseError(
      `The server${where} sent a reply Skein could not read (an event in the stream was not valid JSON). Check that the base URL points at a server speaking the Anthropic Messages API, then try again.`,
      "MALFORMED_RESPONSE",
      { retryable: true, cause: error },
    );
  }
  const text = clipText(error instanceof Error ? error.message : String(error));
  return new UnexpectedModelError(`The model call failed: ${text}`, "SERVER_ERROR", { cause: error });
}
