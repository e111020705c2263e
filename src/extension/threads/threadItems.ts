/** What a thread looks like in the tree: label, description, tooltip. vscode-free so it is unit-tested. */
import type { ThreadSummary } from "../engine/backend";

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "5 minutes ago", "yesterday", "just now" (localised by Intl for the editor's language). */
export function relativeTime(iso: string, now: Date, locale = "en", justNow = "just now"): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return "";
  const seconds = Math.round((then - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return justNow;
}

export interface ThreadItemText {
  label: string;
  description: string;
  tooltip: string;
}

export interface ThreadItemStrings {
  untitled: string;
  /** e.g. "{0} messages"; {0} is replaced. */
  messages: (count: number) => string;
  justNow: string;
  /** The label of an imported thread, e.g. "{0} (imported)". */
  imported?: (title: string) => string;
}

export function threadItemText(
  thread: ThreadSummary,
  now: Date,
  strings: ThreadItemStrings,
  locale = "en",
): ThreadItemText {
  const title = thread.title?.trim() || strings.untitled;
  const label = thread.imported && strings.imported ? strings.imported(title) : title;
  const when = relativeTime(thread.updatedAt, now, locale, strings.justNow);
  const count = typeof thread.messageCount === "number" ? strings.messages(thread.messageCount) : "";
  const description = [when, count].filter(Boolean).join(" · ");
  const tooltip = [label, description].filter(Boolean).join("\n");
  return { label, description, tooltip };
}

/** Newest first by update time; ties broken by id so the order is stable across refreshes. */
export function sortThreads<T extends ThreadSummary>(threads: readonly T[]): T[] {
  return [...threads].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.threadId.localeCompare(b.threadId));
}
