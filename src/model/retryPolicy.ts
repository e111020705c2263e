/**
 * When a failed request is worth sending again, and after how long. Skein retries itself instead of letting
 * the SDK do it, because the SDK sleeps through any `retry-after` (an hour if the server says so) and gives
 * each attempt the whole timeout again. Here a wait the server asks for that is longer than `maxWaitMs`, or
 * that would not end before the request's deadline, is not waited out: the call fails at once and its
 * error says when to try again.
 */
import { retryAfterMs } from "./mapError";

interface FailedRequestLike {
  name?: string;
  status?: number;
  headers?: { get(name: string): string | null };
}

export interface RetryDecision {
  /** Milliseconds to wait before the next attempt. */
  waitMs: number;
  /** Why, for the `retry` event. */
  reason: string;
}

/** The SDK's rule for what is retryable: 408, 409, 429, 5xx, a connection failure; `x-should-retry` overrides. */
function retryable(error: FailedRequestLike): boolean {
  const header = error.headers?.get("x-should-retry");
  if (header === "true") return true;
  if (header === "false") return false;
  if (error.name === "APIConnectionError") return true;
  const status = error.status;
  return status === 408 || status === 409 || status === 429 || (status !== undefined && status >= 500);
}

/** Exponential backoff (0.5 s, 1 s, 2 s … at most 8 s) with up to 25 % jitter, as the SDK does. */
function backoffMs(retry: number): number {
  return Math.min(500 * 2 ** retry, 8_000) * (1 - Math.random() * 0.25);
}

/**
 * The wait before retry number `retry` (0-based) of a request that failed with `error`, or undefined when it
 * must not be retried: not retryable, retries used up, the server's wait longer than `maxWaitMs`, or the
 * wait would run past `remainingMs` (the request's deadline).
 */
export function retryDecision(
  error: unknown,
  retry: number,
  limits: { maxRetries: number; maxWaitMs: number; remainingMs: number },
): RetryDecision | undefined {
  const e = (error ?? {}) as FailedRequestLike;
  if (retry >= limits.maxRetries || !retryable(e)) return undefined;
  const asked = retryAfterMs(e.headers);
  const waitMs = asked !== undefined && asked > 0 ? asked : backoffMs(retry);
  if (waitMs > limits.maxWaitMs || waitMs >= limits.remainingMs) return undefined;
  const what = e.status !== undefined ? `HTTP ${e.status}` : "connection failed";
  return { waitMs, reason: `${what}; retrying in ${Math.max(1, Math.round(waitMs / 100) / 10)} s` };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
