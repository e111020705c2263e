/**
 * Model errors with stable names and codes. `message` is a complete sentence for the user and quotes the
 * API's own text (`apiMessage`) when there is one; the extension may map `code` to its own wording.
 */
import type { Message } from "../graph/messages";

export type ModelErrorCode =
  | "MISSING_API_KEY"
  | "AUTHENTICATION_FAILED"
  | "PERMISSION_DENIED"
  | "MODEL_NOT_FOUND"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  | "OVERLOADED"
  | "INVALID_REQUEST"
  | "SERVER_ERROR"
  | "STREAM_ERROR"
  | "MALFORMED_RESPONSE"
  | "INCOMPLETE_STREAM"
  | "STALLED"
  | "TIMEOUT"
  | "CONNECTION_FAILED"
  | "CANCELLED";

export interface ModelErrorDetails {
  apiMessage?: string;
  status?: number;
  requestId?: string;
  /** The API's error type, e.g. `overloaded_error`. */
  apiType?: string;
  /** Worth retrying the same request later (the UI offers Retry for every error anyway). */
  retryable?: boolean;
  /** When the API said how long to wait. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ModelError extends Error {
  override name = "ModelError";
  readonly apiMessage?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly apiType?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  /** The assistant message as far as it streamed before the failure (text and metadata), if any. */
  partial?: Message;

  constructor(
    message: string,
    readonly code: ModelErrorCode,
    details: ModelErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.apiMessage = details.apiMessage;
    this.status = details.status;
    this.requestId = details.requestId;
    this.apiType = details.apiType;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export class MissingApiKeyError extends ModelError {
  override name = "MissingApiKeyError";
  constructor() {
    super(
      "No Anthropic API key is set. Set one with the “Skein: Set API Key” command (or the ANTHROPIC_API_KEY environment variable) and try again.",
      "MISSING_API_KEY",
    );
  }
}

export class AuthenticationFailedError extends ModelError {
  override name = "AuthenticationFailedError";
}
export class PermissionDeniedError extends ModelError {
  override name = "PermissionDeniedError";
}
export class ModelNotFoundError extends ModelError {
  override name = "ModelNotFoundError";
}
export class RateLimitedError extends ModelError {
  override name = "RateLimitedError";
}
/** A 404 that is not about the model: usually a base URL that does not serve the Messages API. */
export class EndpointNotFoundError extends ModelError {
  override name = "EndpointNotFoundError";
}
export class ModelOverloadedError extends ModelError {
  override name = "ModelOverloadedError";
}
export class InvalidRequestError extends ModelError {
  override name = "InvalidRequestError";
}
export class ServerError extends ModelError {
  override name = "ServerError";
}
/** An `event: error` inside a stream that had started (the SDK never retries these). */
export class StreamError extends ModelError {
  override name = "StreamError";
}
/** The server's reply could not be read (an event that is not JSON, or not shaped like the Messages API's). */
export class MalformedResponseError extends ModelError {
  override name = "MalformedResponseError";
}
/** A failure nothing above recognised; its code still survives a reload (the store keeps only name and message). */
export class UnexpectedModelError extends ModelError {
  override name = "UnexpectedModelError";
}
/** The response ended without `message_stop`: the reply is incomplete. */
export class IncompleteStreamError extends ModelError {
  override name = "IncompleteStreamError";
}
/** No data for `idleTimeoutMs` while streaming (the SDK's timeout does not cover a silent stream). */
export class StalledStreamError extends ModelError {
  override name = "StalledStreamError";
}
export class RequestTimeoutError extends ModelError {
  override name = "RequestTimeoutError";
}
/** Connection refused, DNS failure, TLS/proxy trouble: nothing reached the API. */
export class ConnectionFailedError extends ModelError {
  override name = "ConnectionFailedError";
}
/** The caller aborted (Stop). Not a failure to report: the partial reply is kept. */
export class ModelCancelledError extends ModelError {
  override name = "ModelCancelledError";
  constructor(cause?: unknown) {
    super("The reply was stopped.", "CANCELLED", { cause });
  }
}

/** Error class name → code, for failures read back from a checkpoint (which stores only name and message). */
export const MODEL_ERROR_CODES: Readonly<Record<string, ModelErrorCode>> = Object.freeze({
  MissingApiKeyError: "MISSING_API_KEY",
  AuthenticationFailedError: "AUTHENTICATION_FAILED",
  PermissionDeniedError: "PERMISSION_DENIED",
  ModelNotFoundError: "MODEL_NOT_FOUND",
  EndpointNotFoundError: "NOT_FOUND",
  RateLimitedError: "RATE_LIMITED",
  ModelOverloadedError: "OVERLOADED",
  InvalidRequestError: "INVALID_REQUEST",
  ServerError: "SERVER_ERROR",
  StreamError: "STREAM_ERROR",
  MalformedResponseError: "MALFORMED_RESPONSE",
  UnexpectedModelError: "SERVER_ERROR",
  IncompleteStreamError: "INCOMPLETE_STREAM",
  StalledStreamError: "STALLED",
  RequestTimeoutError: "TIMEOUT",
  ConnectionFailedError: "CONNECTION_FAILED",
  ModelCancelledError: "CANCELLED",
});

/** Every code as earlier versions wrote it (lower case) → the code today; a stored failure may still hold one. */
const EARLIER_CODES: Readonly<Record<string, ModelErrorCode>> = Object.freeze(
  Object.fromEntries(Object.values(MODEL_ERROR_CODES).map((code) => [code.toLowerCase(), code])),
);

/**
 * The code of a failure read back from a store: the code it carries (one written in lower case by an earlier
 * version becomes today's), else the one its class name stands for; undefined when neither is known.
 */
export function storedFailureCode(failure: { name?: unknown; code?: unknown }): string | undefined {
  const { code, name } = failure;
  if (typeof code === "string" && code) return EARLIER_CODES[code] ?? code;
  return typeof name === "string" ? MODEL_ERROR_CODES[name] : undefined;
}
