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
 */
// The ESM build: the UMD one (package "main") loads its parts with a dynamic require a bundle cannot follow.
import { parse as parseJsonc, type ParseError } from "jsonc-parser/lib/esm/main.js";
import type { StoredMessage } from "../../graph/messages";

export const THREAD_EXPORT_FORMAT = "skein-thread";
export const THREAD_EXPORT_VERSION = 1;
/** Larger files are refused before parsing. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
export const MAX_IMPORT_MESSAGES = 100_000;
const MAX_DEPTH = 64;
const MAX_ID_LENGTH = 256;
const ROLES = new Set(["user", "assistant", "system", "tool"]);
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
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
  | "IMPORT_TOO_LARGE"
  | "IMPORT_NOT_JSON"
  | "IMPORT_NOT_SKEIN"
  | "IMPORT_NEWER_VERSION"
  | "IMPORT_FORBIDDEN_KEY"
  | "IMPORT_INVALID";

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

export function serializeThreadExport(data: ThreadExport): string {
  const ordered = {
    format: data.format,
    version: data.version,
    title: data.title,
    metadata: canonical(data.metadata),
    messages: data.messages.map((node) => ({ parent: node.parent, message: canonicalMessage(node.message) })),
    head: data.head,
  };
  return JSON.stringify(ordered, null, 2) + "\n";
}

/** Parses and validates an export; throws ThreadImportError with the first problem found. */
export function parseThreadExport(text: string): ThreadExport {
  if (text.length > MAX_IMPORT_BYTES) {
    throw new ThreadImportError("IMPORT_TOO_LARGE", `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; a Skein thread export is never that big.`);
  }
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
  checkShape(data, "$", 0);
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
    throw new ThreadImportError("IMPORT_NEWER_VERSION", `The file was written by a newer Skein (format version ${data.version}; this one reads ${THREAD_EXPORT_VERSION}). Update Skein to import it.`);
  }
  if (data.title !== null && (typeof data.title !== "string" || data.title.length > 1000)) {
    throw new ThreadImportError("IMPORT_INVALID", '"title" must be a string of at most 1000 characters, or null', "$.title");
  }
  if (!isPlainObject(data.metadata)) throw new ThreadImportError("IMPORT_INVALID", '"metadata" must be an object', "$.metadata");
  if (!Array.isArray(data.messages)) throw new ThreadImportError("IMPORT_INVALID", '"messages" must be an array', "$.messages");
  if (data.messages.length > MAX_IMPORT_MESSAGES) {
    throw new ThreadImportError("IMPORT_TOO_LARGE", `The file holds ${data.messages.length} messages; at most ${MAX_IMPORT_MESSAGES} can be imported.`, "$.messages");
  }
  const seen = new Set<string>();
  const messages = data.messages.map((node, index) => checkNode(node, index, seen));
  checkPathIds(messages);
  const head = data.head;
  if (messages.length === 0 ? head !== null : !(Number.isInteger(head) && (head as number) >= 0 && (head as number) < messages.length)) {
    throw new ThreadImportError("IMPORT_INVALID", `"head" must be the index of a message (0–${messages.length - 1}), or null when there are none`, "$.head");
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
  if (!isPlainObject(node)) throw new ThreadImportError("IMPORT_INVALID", "each entry must be an object { parent, message }", where);
  const parent = node.parent;
  if (parent !== null && !(Number.isInteger(parent) && (parent as number) >= 0 && (parent as number) < index)) {
    throw new ThreadImportError("IMPORT_INVALID", '"parent" must be null or the index of an earlier entry', `${where}.parent`);
  }
  const message = checkMessage(node.message, `${where}.message`);
  // Two siblings with one id would collapse into one message when stored.
  const siblingKey = `${parent}\u0000${message.id}`;
  if (seen.has(siblingKey)) throw new ThreadImportError("IMPORT_INVALID", `message id "${message.id}" appears twice under the same parent`, `${where}.message.id`);
  seen.add(siblingKey);
  return { parent: parent as number | null, message };
}

function checkMessage(value: unknown, where: string): StoredMessage {
  if (!isPlainObject(value)) throw new ThreadImportError("IMPORT_INVALID", "a message must be an object", where);
  const { id, role, content } = value;
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH || !/^[A-Za-z0-9_.:@+=-]+$/.test(id) || /^\.+$/.test(id)) {
    throw new ThreadImportError("IMPORT_INVALID", `"id" must be 1–${MAX_ID_LENGTH} letters, digits or _ . : @ + = - (not only dots)`, `${where}.id`);
  }
  if (typeof role !== "string" || !ROLES.has(role)) throw new ThreadImportError("IMPORT_INVALID", '"role" must be "user", "assistant", "system" or "tool"', `${where}.role`);
  if (typeof content !== "string") {
    if (!Array.isArray(content)) throw new ThreadImportError("IMPORT_INVALID", '"content" must be a string or an array of blocks', `${where}.content`);
    content.forEach((block, i) => {
      if (!isPlainObject(block) || typeof block.type !== "string") {
        throw new ThreadImportError("IMPORT_INVALID", 'a content block must be an object with a string "type"', `${where}.content[${i}]`);
      }
      if (block.type === "text" && typeof block.text !== "string") {
        throw new ThreadImportError("IMPORT_INVALID", 'a text block needs a string "text"', `${where}.content[${i}].text`);
      }
    });
  }
  if (value.tool_calls !== undefined) {
    if (!Array.isArray(value.tool_calls)) throw new ThreadImportError("IMPORT_INVALID", '"tool_calls" must be an array', `${where}.tool_calls`);
    value.tool_calls.forEach((call, i) => {
      if (!isPlainObject(call) || typeof call.id !== "string" || typeof call.name !== "string" || !isPlainObject(call.args)) {
        throw new ThreadImportError("IMPORT_INVALID", "a tool call must be { id: string, name: string, args: object }", `${where}.tool_calls[${i}]`);
      }
    });
  }
  for (const key of ["tool_call_id", "name"] as const) {
    if (value[key] !== undefined && typeof value[key] !== "string") throw new ThreadImportError("IMPORT_INVALID", `"${key}" must be a string`, `${where}.${key}`);
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
    if (onPath.has(id)) throw new ThreadImportError("IMPORT_INVALID", `message id "${id}" repeats within one branch`, `$.messages[${index}].message.id`);
    onPath.add(id);
    stack.push([index, true]);
    for (const child of children[index]!) stack.push([child, false]);
  }
}

/** Rejects prototype-polluting keys, non-JSON nesting depth, anywhere in the document. */
function checkShape(value: unknown, where: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new ThreadImportError("IMPORT_INVALID", `nesting deeper than ${MAX_DEPTH} levels`, where);
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkShape(value[i], `${where}[${i}]`, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new ThreadImportError("IMPORT_FORBIDDEN_KEY", `the key "${key}" is not allowed in an import (it could alter objects' prototypes)`, where);
    checkShape((value as Record<string, unknown>)[key], `${where}.${key}`, depth + 1);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function canonicalMessage(message: StoredMessage): Record<string, unknown> {
  const source = message as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of MESSAGE_KEY_ORDER) if (source[key] !== undefined) out[key] = canonical(source[key]);
  for (const key of Object.keys(source).sort()) {
    if (!MESSAGE_KEY_ORDER.includes(key) && source[key] !== undefined) out[key] = canonical(source[key]);
  }
  return out;
}

/** Sorted keys at every level; `undefined` members dropped (as JSON would). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = canonical(item);
  }
  return out;
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
