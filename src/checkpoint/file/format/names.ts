import { createHash } from "node:crypto";
import { InvalidThreadIdError } from "../../errors";
import { checkWellFormedThreadId } from "../../threadIds";

/** Longer ids are rejected: they would not fit a file name once encoded, and no UI needs them. */
export const MAX_THREAD_ID_LENGTH = 256;

/**
 * Checks a thread id before it reaches the file system. Ids are encoded into file names anyway (so `..` or a
 * separator could not escape the store), but ids that only make sense as path tricks are refused outright so a
 * caller learns about the bug instead of getting an oddly named thread.
 */
export function validateThreadId(threadId: unknown): string {
  if (typeof threadId !== "string") throw new InvalidThreadIdError(threadId, "it must be a string.");
  if (threadId.length === 0) throw new InvalidThreadIdError(threadId, "it must not be empty.");
  if (threadId.length > MAX_THREAD_ID_LENGTH) {
    throw new InvalidThreadIdError(
      threadId.slice(0, 40) + "…",
      `it is longer than ${MAX_THREAD_ID_LENGTH} characters.`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(threadId))
    throw new InvalidThreadIdError(threadId, "it contains a NUL or control character.");
  // A lone surrogate has no UTF-8 form: encoded it becomes U+FFFD, so two such ids would share one file.
  checkWellFormedThreadId(threadId);
  if (/[/\\]/.test(threadId)) throw new InvalidThreadIdError(threadId, "it contains a path separator.");
  if (threadId.includes("..")) throw new InvalidThreadIdError(threadId, 'it contains "..".');
  if (threadId.trim() !== threadId || threadId === ".") {
    throw new InvalidThreadIdError(threadId, "it starts or ends with whitespace, or is a bare dot.");
  }
  return threadId;
}

/**
 * A file-name stem for a thread: `t-` + the id with every character outside [a-z0-9_-] escaped as `~hh` per
 * UTF-8 byte. Lower case only, so ids differing in case never collide on case-insensitive file systems; the
 * prefix keeps Windows device names (CON, NUL…) and dot-files out. Very long stems end in a hash instead.
 */
export function threadFileStem(threadId: string): string {
  let out = "t-";
  for (const byte of Buffer.from(threadId, "utf8")) {
    const isSafe = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2d;
    out += isSafe ? String.fromCharCode(byte) : "~" + byte.toString(16).padStart(2, "0");
  }
  if (out.length <= 160) return out;
  const hash = createHash("sha256").update(threadId).digest("hex").slice(0, 24);
  return `${out.slice(0, 120)}~~${hash}`;
}
