/**
 * Text helpers for thread search: what of a message is searchable, case folding that keeps offsets,
 * query parsing and snippets.
 */
import { messageText } from "../../graph/messages";
import type { Message } from "../../graph/messages";

/** The searchable text of a message: its text blocks plus the names of tools it called. */
export function searchableText(message: Pick<Message, "content" | "tool_calls">): string {
  let text = messageText(message);
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    const names = message.tool_calls.map((call) => (typeof call?.name === "string" ? call.name : "")).filter(Boolean);
    if (names.length > 0) text += (text ? "\n" : "") + names.join(" ");
  }
  return text;
}

/**
 * Lower-cases without changing the string's length, so an offset found in the folded text is the same
 * offset in the original (snippets are cut from the original). Characters whose lower case has another
 * length (rare: "İ") are kept as they are.
 */
export function fold(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = "";
  for (const char of text) {
    const folded = char.toLowerCase();
    out += folded.length === char.length ? folded : char;
  }
  return out;
}

/** Whitespace-separated terms, `"quoted phrases"` kept together, folded; duplicates dropped. */
export function parseQuery(query: string): string[] {
  const terms: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let match = pattern.exec(query); match; match = pattern.exec(query)) {
    const term = fold((match[1] ?? match[2] ?? "").trim());
    if (term && !terms.includes(term)) terms.push(term);
  }
  // Longest first: the rarest term usually rejects a message soonest.
  return terms.sort((a, b) => b.length - a.length);
}

/** Where every term occurs in `folded`, or undefined when one is missing. Offsets of the first occurrences. */
export function matchAll(folded: string, terms: readonly string[]): number[] | undefined {
  const offsets: number[] = [];
  for (const term of terms) {
    const at = folded.indexOf(term);
    if (at < 0) return undefined;
    offsets.push(at);
  }
  return offsets;
}

export interface Snippet {
  text: string;
  /** [start, end) ranges of the matched terms inside `text`. */
  highlights: Array<[number, number]>;
}

/**
 * A one-line excerpt around the first match, whitespace collapsed, about `width` characters,
 * with "…" where it was cut.
 */
export function makeSnippet(original: string, folded: string, terms: readonly string[], width = 120): Snippet {
  const first = Math.min(...terms.map((term) => folded.indexOf(term)).filter((at) => at >= 0));
  const anchor = Number.isFinite(first) ? first : 0;
  let start = Math.max(0, anchor - Math.floor(width / 3));
  let end = Math.min(original.length, start + width);
  start = Math.max(0, Math.min(start, end - width));
  // Don't start or end in the middle of a surrogate pair.
  if (start > 0 && isLowSurrogate(original.charCodeAt(start))) start--;
  if (end < original.length && isLowSurrogate(original.charCodeAt(end))) end++;
  const raw = original.slice(start, end);
  const rawFolded = folded.slice(start, end);
  // Collapse whitespace while keeping a map from collapsed offsets back to raw ones for the highlights.
  let text = "";
  let textFolded = "";
  let lastSpace = true;
  for (let i = 0; i < raw.length; i++) {
    const isSpace = /\s/.test(raw[i]!);
    if (isSpace) {
      if (!lastSpace) {
        text += " ";
        textFolded += " ";
      }
      lastSpace = true;
    } else {
      text += raw[i];
      textFolded += rawFolded[i];
      lastSpace = false;
    }
  }
  text = text.trimEnd();
  const prefix = start > 0 ? "…" : "";
  const suffix = end < original.length ? "…" : "";
  const highlights: Array<[number, number]> = [];
  for (const term of terms) {
    const at = textFolded.indexOf(term);
    if (at >= 0 && at + term.length <= text.length)
      highlights.push([prefix.length + at, prefix.length + at + term.length]);
  }
  highlights.sort((a, b) => a[0] - b[0]);
  return { text: prefix + text + suffix, highlights };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
