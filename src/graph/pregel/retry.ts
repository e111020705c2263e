/**
 * Node retries (LangGraph `RetryPolicy`, same fields and defaults): up to `maxAttempts` attempts, waiting
 * `min(maxInterval, initialInterval * backoffFactor^(attempt-1))` ms (+ up to 1 s of jitter) between them.
 * Interrupts and aborts are never retried; the wait ends at once when the run is aborted.
 */
import { UnsupportedOptionError } from "../errors";
import { checkOptions } from "./options";

export interface RetryPolicy {
  /** Milliseconds before the first retry (default 500). */
  initialInterval?: number;
  /** Multiplier of the wait after each retry (default 2). */
  backoffFactor?: number;
  /** Longest wait in milliseconds (default 128000). */
  maxInterval?: number;
  /** Attempts in all, the first included (default 3). */
  maxAttempts?: number;
  /** Add up to 1 s of random wait (default true). */
  jitter?: boolean;
  /** Which errors are retried (default: all but aborts, GraphValueError and HTTP 400–409 except 408). */
  retryOn?: (error: unknown) => boolean;
  /** Log each retry with console.log, as LangGraph does (default true). */
  logWarning?: boolean;
}

const RETRY_OPTIONS = [
  "initialInterval",
  "backoffFactor",
  "maxInterval",
  "maxAttempts",
  "jitter",
  "retryOn",
  "logWarning",
];
const NO_RETRY_STATUS = new Set([400, 401, 402, 403, 404, 405, 406, 407, 409]);

export function checkRetryPolicy(policy: RetryPolicy, node: string): RetryPolicy {
  checkOptions(policy, RETRY_OPTIONS, `addNode("${node}", …, { retryPolicy })`);
  if (policy.maxAttempts !== undefined && !(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1)) {
    throw new UnsupportedOptionError(`addNode("${node}"): retryPolicy.maxAttempts must be a whole number ≥ 1.`);
  }
  return policy;
}

/** LangGraph's default `retryOn`. */
function defaultRetryOn(error: unknown): boolean {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    status?: number;
    response?: { status?: number };
    error?: { code?: string };
  };
  if (typeof e?.message === "string" && (e.message.startsWith("Cancel") || e.message.startsWith("AbortError")))
    return false;
  if (e?.name === "AbortError" || e?.name === "GraphValueError") return false;
  if (e?.code === "ECONNABORTED") return false;
  const status = e?.response?.status ?? e?.status;
  if (status !== undefined && NO_RETRY_STATUS.has(Number(status))) return false;
  return e?.error?.code !== "insufficient_quota";
}

/** The wait before retry number `attempt` (1-based), or undefined when the error is not to be retried. */
export function retryDelay(policy: RetryPolicy, attempt: number, error: unknown): number | undefined {
  if (attempt >= (policy.maxAttempts ?? 3)) return undefined;
  if (!(policy.retryOn ?? defaultRetryOn)(error)) return undefined;
  const interval = Math.min(
    policy.maxInterval ?? 128_000,
    (policy.initialInterval ?? 500) * (policy.backoffFactor ?? 2) ** (attempt - 1),
  );
  return (policy.jitter ?? true) ? interval + Math.random() * 1000 : interval;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
