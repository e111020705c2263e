/**
 * The lossless JSON export of a thread (format "skein-thread", version 1) and its validation.
 *
 * {
 *   "format": "skein-thread", "version": 1,
 *   "title": "…" | null,
 *   "metadata": { … },                               the catalog's user metadata
 *   "messages": [ { "parent": null | <index>, "message": { id, role, content, … } }, … ],
 *   "head": null | <index>                           the last message of the branch that is shown
 * }
 * `messages` is the whole conversation tree in creation order: a parent always comes before its children
 * and siblings keep their order ("‹ 1/3 ›" stays 1/3). Parents are indices, not ids, so a file can name no
 * message that is not in it, and cycles are impossible.
 * Serialisation is canonical (fixed key order for messages, sorted keys elsewhere, 2-space indent), so
 * export → import → export gives the same bytes whatever order a store kept keys in.
 * Thread ids and catalog times are not part of the file: an import is a new thread.
 * The limits (title length, nesting, file size) are the store's own (src/checkpoint/limits.ts): what Skein can
 * store it exports and imports back byte for byte. Keys such as `__proto__` or `constructor` (a tool argument
 * may be named anything) are kept as plain data: every object built here is built with own properties only.
 */
// The ESM build: the UMD one (package "main") loads its parts with a dynamic require a bundle cannot follow.
import { parse as parseJsonc, type ParseError } from "jsonc-parser/lib/esm/main.js";
import type { StoredMessage } from "../../graph/messages";
import { API_BLOCK_TYPES } from "../../model/convert";
import {
  LimitExceededError,
  MAX_EXPORT_BYTES,
  MAX_NESTING_DEPTH,
  MAX_TITLE_CHARS,
  formatBytes,
  nestsDeeperThan,
  titleLimitMessage,
} from "../../checkpoint/limits";

export const THREAD_EXPORT_FORMAT = "skein-thread";
export const THREAD_EXPORT_VERSION = 1;
/** Larger files are refused before parsing: the size Skein's own exports may reach. */
export const MAX_IMPORT_BYTES = MAX_EXPORT_BYTES;
export const MAX_IMPORT_MESSAGES = 100_000;
const MAX_ID_LENGTH = 256;
const ROLES = new Set(["user", "assistant", "system", "tool"]);
const MESSAGE_KEY_ORDER = ["id", "role", "content", "tool_calls", "tool_call_id", "name", "metadata"];

export interface ExportedNode {
  parent: number | null;
  message: StoredMessage;
}

export interface ThreadExport {
  format: typeof THREAD_EXPORT_FORMAT;
  version: typeof THREAD_EXPORT_VERSION;
  title: string | null;
  metadata: Record<string, unknown>;
  messages: ExportedNode[];
  head: number | null;
}

export type ThreadImportErrorCode =
  "IMPORT_TOO_LARGE" | "IMPORT_NOT_JSON" | "IMPORT_NOT_SKEIN" | "IMPORT_NEWER_VERSION" | "IMPORT_INVALID";

/** The file cannot be imported; nothing was created. `where` is a JSON path into the file. */
export class ThreadImportError extends Error {
  override name = "ThreadImportError";
  constructor(
    readonly code: ThreadImportErrorCode,
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${message} (at ${where})` : message);
  }
}

/** The export's text; throws LimitExceededError (EXPORT_TOO_LARGE) beyond the size an import accepts. */
export function serializeThreadExport(data: ThreadExport): string {
  const ordered = {
    format: data.format,
    version: data.version,
    title: data.title,
    metadata: canonical(data.metadata),
    messages: data.messages.map((node) => ({ parent: node.parent, message: canonicalMessage(node.message) })),
    head: data.head,
  };
  let text: string;
  try {
    text = JSON.stringify(ordered, null, 2) + "\n";
  } catch (error) {
    // Past what one JavaScript string can hold (~512 MB): far beyond the limit anyway.
    if (error instanceof RangeError) throw exportTooLarge(undefined);
    throw error;
  }
  // Characters ≤ bytes: only a text near the limit needs the exact UTF-8 size.
  if (text.length * 3 > MAX_EXPORT_BYTES && Buffer.byteLength(text) > MAX_EXPORT_BYTES)
    throw exportTooLarge(Buffer.byteLength(text));
  return text;
}

function exportTooLarge(bytes: number | undefined): LimitExceededError {
  const size = bytes === undefined ? "larger than JavaScript can hold in one string" : formatBytes(bytes);
  return new LimitExceededError(
    "EXPORT_TOO_LARGE",
    `This thread's JSON export would be ${size}; Skein exports and imports at most ${formatBytes(MAX_EXPORT_BYTES)}. Fork the part you need to a new thread and export that, or export as Markdown.`,
  );
}

/** Parses and validates an export; throws ThreadImportError with the first problem found. */
export function parseThreadExport(text: string): ThreadExport {
  if (text.length > MAX_IMPORT_BYTES) throw new ThreadImportError("IMPORT_TOO_LARGE", importTooLargeMessage());
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const { reason, line, column } = describeJsonError(text, error as Error);
    throw new ThreadImportError(
      "IMPORT_NOT_JSON",
      `not a Skein thread export: the file is not valid JSON (${reason} at line ${line}, column ${column}). Export a thread as JSON from Skein and import that file.`,
    );
  }
  if (!isPlainObject(data) || data.format !== THREAD_EXPORT_FORMAT) {
    throw new ThreadImportError(
      "IMPORT_NOT_SKEIN",
      'not a Skein thread export: the JSON has no "format": "skein-thread". Export a thread as JSON from Skein and import that file.',
    );
  }
  if (typeof data.version !== "number" || !Number.isInteger(data.version) || data.version < 1) {
    throw new ThreadImportError("IMPORT_INVALID", '"version" must be a positive integer', "$.version");
  }
  if (data.version > THREAD_EXPORT_VERSION) {
    throw new ThreadImportError(
      "IMPORT_NEWER_VERSION",
      `The file was written by a newer Skein (format version ${data.version}; this one reads ${THREAD_EXPORT_VERSION}). Update Skein to import it.`,
    );
  }
  if (data.title !== null && typeof data.title !== "string")
    throw new ThreadImportError("IMPORT_INVALID", '"title" must be a string or null', "$.title");
  if (typeof data.title === "string" && data.title.length > MAX_TITLE_CHARS)
    throw new ThreadImportError("IMPORT_INVALID", titleLimitMessage(data.title.length), "$.title");
  if (!isPlainObject(data.metadata))
    throw new ThreadImportError("IMPORT_INVALID", '"metadata" must be an object', "$.metadata");
  checkDepth(data.metadata, "$.metadata");
  if (!Array.isArray(data.messages))
    throw new ThreadImportError("IMPORT_INVALID", '"messages" must be an array', "$.messages");
  if (data.messages.length > MAX_IMPORT_MESSAGES) {
    throw new ThreadImportError(
      "IMPORT_TOO_LARGE",
      `The file holds ${data.messages.length} messages; at most ${MAX_IMPORT_MESSAGES} can be imported.`,
      "$.messages",
    );
  }
  const seen = new Set<string>();
  const messages = data.messages.map((node, index) => checkNode(node, index, seen));
  checkPathIds(messages);
  const head = data.head;
  if (
    messages.length === 0
      ? head !== null
      : !(Number.isInteger(head) && (head as number) >= 0 && (head as number) < messages.length)
  ) {
    throw new ThreadImportError(
      "IMPORT_INVALID",
      `"head" must be the index of a message (0–${messages.length - 1}), or null when there are none`,
      "$.head",
    );
  }
  return {
    format: THREAD_EXPORT_FORMAT,
    version: THREAD_EXPORT_VERSION,
    title: data.title as string | null,
    metadata: data.metadata,
    messages,
    head: head as number | null,
  };
}

function checkNode(node: unknown, index: number, seen: Set<string>): ExportedNode {
  const where = `$.messages[${index}]`;
  if (!isPlainObject(node))
    throw new ThreadImportError("IMPORT_INVALID", "each entry must be an object { parent, message }", where);
  const parent = node.parent;
  if (parent !== null && !(Number.isInteger(parent) && (parent as number) >= 0 && (parent as number) < index)) {
    throw new ThreadImportError(
      "IMPORT_INVALID",
      '"parent" must be null or the index of an earlier entry',
      `${where}.parent`,
    );
  }
  const message = checkMessage(node.message, `${where}.message`);
  // Two siblings with one id would collapse into one message when stored.
  const siblingKey = `${parent}\u0000${message.id}`;
  if (seen.has(siblingKey))
    throw new ThreadImportError(
      "IMPORT_INVALID",
      `message id "${message.id}" appears twice under the same parent`,
      `${where}.message.id`,
    );
  seen.add(siblingKey);
  return { parent: parent as number | null, message };
}

function checkMessage(value: unknown, where: string): StoredMessage {
  if (!isPlainObject(value)) throw new ThreadImportError("IMPORT_INVALID", "a message must be an object", where);
  checkDepth(value, where);
  const { id, role, content } = value;
  if (
    typeof id !== "string" ||
    id.length === 0 ||
    id.length > MAX_ID_LENGTH ||
    !/^[A-Za-z0-9_.:@+=-]+$/.test(id) ||
    /^\.+$/.test(id)
  ) {
    throw new ThreadImportError(
      "IMPORT_INVALID",
      `"id" must be 1–${MAX_ID_LENGTH} letters, digits or _ . : @ + = - (not only dots)`,
      `${where}.id`,
    );
  }
  if (typeof role !== "string" || !ROLES.has(role))
    throw new ThreadImportError(
      "IMPORT_INVALID",
      '"role" must be "user", "assistant", "system" or "tool"',
      `${where}.role`,
    );
  if (typeof content !== "string") {
    if (!Array.isArray(content))
      throw new ThreadImportError(
        "IMPORT_INVALID",
        '"content" must be a string or an array of blocks',
        `${where}.content`,
      );
    content.forEach((block, i) => {
      if (!isPlainObject(block) || typeof block.type !== "string") {
        throw new ThreadImportError(
          "IMPORT_INVALID",
          'a content block must be an object with a string "type"',
          `${where}.content[${i}]`,
        );
      }
      // The model's API refuses a request holding a block type it does not know, so such a thread could never
      // get another answer; say so at the door instead.
      if (!API_BLOCK_TYPES.has(block.type)) {
        throw new ThreadImportError(
          "IMPORT_INVALID",
          `content block type ${JSON.stringify(block.type.slice(0, 60))} is not one the model accepts (${[...API_BLOCK_TYPES].join(", ")})`,
          `${where}.content[${i}].type`,
        );
      }
      if (block.type === "text" && typeof block.text !== "string") {
        throw new ThreadImportError(
          "IMPORT_INVALID",
          'a text block needs a string "text"',
          `${where}.content[${i}].text`,
        );
      }
    });
  }
  if (value.tool_calls !== undefined) {
    if (!Array.isArray(value.tool_calls))
      throw new ThreadImportError("IMPORT_INVALID", '"tool_calls" must be an array', `${where}.tool_calls`);
    value.tool_calls.forEach((call, i) => {
      if (
        !isPlainObject(call) ||
        typeof call.id !== "string" ||
        typeof call.name !== "string" ||
        !isPlainObject(call.args)
      ) {
        throw new ThreadImportError(
          "IMPORT_INVALID",
          "a tool call must be { id: string, name: string, args: object }",
          `${where}.tool_calls[${i}]`,
        );
      }
    });
  }
  for (const key of ["tool_call_id", "name"] as const) {
    if (value[key] !== undefined && typeof value[key] !== "string")
      throw new ThreadImportError("IMPORT_INVALID", `"${key}" must be a string`, `${where}.${key}`);
  }
  if (value.metadata !== undefined && !isPlainObject(value.metadata)) {
    throw new ThreadImportError("IMPORT_INVALID", '"metadata" must be an object', `${where}.metadata`);
  }
  return value as unknown as StoredMessage;
}

/** A message id may not repeat along one branch: stored, the second would replace the first. */
function checkPathIds(messages: ExportedNode[]): void {
  const children: number[][] = messages.map(() => []);
  const roots: number[] = [];
  messages.forEach((node, index) => (node.parent === null ? roots : children[node.parent]!).push(index));
  const onPath = new Set<string>();
  // Iterative depth-first walk: enter adds the id, leave removes it.
  const stack: Array<[index: number, leaving: boolean]> = roots.map((index): [number, boolean] => [index, false]);
  while (stack.length > 0) {
    const [index, leaving] = stack.pop()!;
    const id = messages[index]!.message.id;
    if (leaving) {
      onPath.delete(id);
      continue;
    }
    if (onPath.has(id))
      throw new ThreadImportError(
        "IMPORT_INVALID",
        `message id "${id}" repeats within one branch`,
        `$.messages[${index}].message.id`,
      );
    onPath.add(id);
    stack.push([index, true]);
    for (const child of children[index]!) stack.push([child, false]);
  }
}

/** The size limit's wording for the import command and the parser alike. */
function importTooLargeMessage(): string {
  return `The file is larger than ${formatBytes(MAX_IMPORT_BYTES)}, the most Skein exports and imports; it is not a Skein thread export, or it was cut from a larger file.`;
}

/** A message or the metadata nesting deeper than a stored value may. */
function checkDepth(value: unknown, where: string): void {
  if (nestsDeeperThan(value, MAX_NESTING_DEPTH)) {
    throw new ThreadImportError(
      "IMPORT_INVALID",
      `nested deeper than ${MAX_NESTING_DEPTH} levels, more than Skein stores`,
      where,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function canonicalMessage(message: StoredMessage): Record<string, unknown> {
  const source = message as unknown as Record<string, unknown>;
  const keys = [
    ...MESSAGE_KEY_ORDER.filter((key) => Object.hasOwn(source, key)),
    ...Object.keys(source)
      .filter((key) => !MESSAGE_KEY_ORDER.includes(key))
      .sort(),
  ];
  // fromEntries defines own properties: a key named "__proto__" stays data instead of replacing the prototype.
  return Object.fromEntries(
    keys.filter((key) => source[key] !== undefined).map((key) => [key, canonical(source[key])]),
  );
}

/** Sorted keys at every level; `undefined` members dropped (as JSON would). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.keys(value)
    .sort()
    .map((key): [string, unknown] => [key, (value as Record<string, unknown>)[key]])
    .filter(([, item]) => item !== undefined);
  return Object.fromEntries(entries.map(([key, item]) => [key, canonical(item)]));
}

/**
 * What JSON.parse objected to and where, as line and column (1-based). Engines do not always say where (Node 20:
 * "Unexpected token 'o', "not json" is not valid JSON"), so the place comes from jsonc-parser's strict scan.
 */
export function describeJsonError(text: string, error: Error): { reason: string; line: number; column: number } {
  const reason =
    error.message
      .replace(/\s*\(line \d+ column \d+\)/, "")
      .replace(/,\s*"[\s\S]*"\s*is not valid JSON$/, "")
      .replace(/\s*in JSON at position \d+/, "")
      .trim() || "unexpected input";
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const offset = Math.min(errors[0]?.offset ?? text.length, text.length);
  const before = text.slice(0, offset);
  return { reason, line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
}
