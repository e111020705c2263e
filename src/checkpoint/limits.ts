/**
 * The limits on what Skein keeps, in one place. Every door that lets content in (Rename, the savers'
 * `setThreadInfo`, a model reply, an import) and every way out (export) checks the same numbers, so
 * whatever a store holds can be exported and imported back, and whatever is refused is refused everywhere
 * with the same words.
 */
import { CheckpointError } from "./errors";

/** Characters in a thread title. */
export const MAX_TITLE_CHARS = 1_000;
/** Levels of nested objects/arrays inside one stored value (tool arguments, metadata, content blocks). */
export const MAX_NESTING_DEPTH = 1_000;
/** Bytes of a thread's JSON export (and so of a file Skein imports); well under a JavaScript string's limit. */
export const MAX_EXPORT_BYTES = 256 * 1024 * 1024;
/** Characters of one streamed assistant reply (text and tool arguments together); the rest is not received. */
export const MAX_REPLY_CHARS = 4 * 1024 * 1024;
/** Characters of an error message shown and stored (a server may send megabytes). */
export const MAX_ERROR_MESSAGE_CHARS = 2_000;

export type LimitCode = "TITLE_TOO_LONG" | "TOO_DEEPLY_NESTED" | "EXPORT_TOO_LARGE";

/** Content over one of the limits above; nothing was changed. */
export class LimitExceededError extends CheckpointError {
  override name = "LimitExceededError";
  constructor(
    override readonly code: LimitCode,
    message: string,
  ) {
    super(message, code);
  }
}

export function titleLimitMessage(length: number): string {
  return `A thread title can have at most ${MAX_TITLE_CHARS.toLocaleString("en-US")} characters (this one has ${length.toLocaleString("en-US")}). Choose a shorter title.`;
}

/** Throws when `title` is longer than a title may be. */
function checkTitle(title: string | undefined | null): void {
  if (typeof title === "string" && title.length > MAX_TITLE_CHARS)
    throw new LimitExceededError("TITLE_TOO_LONG", titleLimitMessage(title.length));
}

/** What a saver's `setThreadInfo` accepts: a title and metadata within the limits. */
export function checkThreadInfoUpdate(update: { title?: string | null; metadata?: Record<string, unknown> }): void {
  checkTitle(update.title);
  if (update.metadata !== undefined && nestsDeeperThan(update.metadata, MAX_NESTING_DEPTH)) {
    throw new LimitExceededError("TOO_DEEPLY_NESTED", `Thread metadata can nest at most ${MAX_NESTING_DEPTH} levels.`);
  }
}

/** True when `value` nests objects/arrays deeper than `limit` levels (a scalar is depth 0). Iterative: any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** `text` cut to `max` characters with a note saying how much was left out (never splits a surrogate pair). */
export function clipText(text: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${(text.length - end).toLocaleString("en-US")} more characters not shown)`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
