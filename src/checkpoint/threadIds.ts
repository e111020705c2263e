import { InvalidThreadIdError } from "./errors";

/** String.prototype.isWellFormed, spelled out (it is not in the ES2022 library this project compiles against). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses a thread id that is not well-formed Unicode. A lone surrogate has no UTF-8 form: written to a file
 * name, a database or a JSON export it becomes U+FFFD, so two such ids would name one thread. Every saver
 * refuses them, so an id one saver accepts works with all of them.
 */
export function checkWellFormedThreadId(threadId: string): string {
  if (LONE_SURROGATE.test(threadId))
    throw new InvalidThreadIdError(threadId, "it is not well-formed Unicode (it contains a lone surrogate).");
  return threadId;
}
