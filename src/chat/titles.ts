/**
 * Thread titles and catalog metadata. The title comes from the first user message at once (no API call),
 * so the thread list never shows "Untitled" while the first reply streams; a title the user set is never
 * overwritten (only an empty title, or one this module set, is replaced).
 */
import { messageText } from "../graph/messages";
import type { Message } from "../graph/messages";

export const MAX_TITLE_LENGTH = 60;
export const PREVIEW_LENGTH = 120;

/** A one-line title: first non-empty line, markdown noise stripped, cut on a word boundary. */
export function titleFromText(text: string, max = MAX_TITLE_LENGTH): string {
  const line =
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0 && !/^(```|~~~)/.test(l)) ?? "";
  const clean = line
    .replace(/^#{1,6}\s+|^>\s+|^[-*+]\s+|^\d+[.)]\s+/, "")
    .replace(/[*_`~]+/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
  if (clean.length <= max) return clean || "New thread";
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.5 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** One-line preview of a message for the thread list. */
export function previewOf(message: Message | undefined): string {
  if (!message) return "";
  const text = messageText(message).replace(/\s+/g, " ").trim();
  const shown =
    text || (message.tool_calls?.length ? `[tool: ${message.tool_calls.map((c) => c.name).join(", ")}]` : "");
  return shown.length > PREVIEW_LENGTH ? `${shown.slice(0, PREVIEW_LENGTH - 1)}…` : shown;
}

export function firstUserText(messages: readonly Message[]): string | undefined {
  const first = messages.find((m) => m.role === "user" && messageText(m).trim().length > 0);
  return first ? messageText(first) : undefined;
}
