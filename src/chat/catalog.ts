/**
 * The thread catalog's metadata, typed in one place: what Skein keeps beside each thread's title so the
 * Threads tree, the chat and the history code need not read the thread itself. Every key the chat layer
 * writes is named here; export/import leaves the derived ones out of a file and recomputes them.
 */
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { ThreadInfo } from "../checkpoint/types";
import type { Message } from "../graph/messages";
import { ACTIVITY_KEY, activityOf, IMPORTED_AT_KEY } from "./activity";
import { previewOf } from "./titles";

export const CATALOG_KEYS = {
  /** Messages on the shown branch (the tree's "12 messages"). */
  messageCount: "messageCount",
  /** The thread has forks (edit/regenerate): load its "‹ 2/3 ›" positions. */
  hasBranches: "hasBranches",
  /** Leaf checkpoints of every branch, so the branch tree is read without walking every checkpoint. */
  knownLeaves: "branchLeaves",
  /** `{ threadId, messageId }` of the message a forked thread was copied up to. */
  forkedFrom: "forkedFrom",
  /** Who named the thread: "user" (Rename) or "first-message"; a user's name is never replaced. */
  titleSource: "titleSource",
  lastMessagePreview: "lastMessagePreview",
  lastMessageRole: "lastMessageRole",
  lastModel: "lastModel",
} as const;

/** Keys computed from the thread itself: an export leaves them out and an import recomputes them. */
export const DERIVED_CATALOG_KEYS: readonly string[] = [
  CATALOG_KEYS.messageCount,
  CATALOG_KEYS.hasBranches,
  CATALOG_KEYS.knownLeaves,
  CATALOG_KEYS.forkedFrom,
  CATALOG_KEYS.lastMessagePreview,
  CATALOG_KEYS.lastMessageRole,
  CATALOG_KEYS.lastModel,
  ACTIVITY_KEY,
  IMPORTED_AT_KEY,
];

export interface CatalogEntry {
  messageCount?: number;
  hasBranches: boolean;
  forkedFrom?: { threadId: string; messageId: string };
  titleSource?: string;
}

/** The typed view of a catalog entry's metadata (values of the wrong type read as absent). */
export function catalogOf(info: Pick<ThreadInfo, "metadata">): CatalogEntry {
  const metadata = info.metadata ?? {};
  const count = metadata[CATALOG_KEYS.messageCount];
  const fork = metadata[CATALOG_KEYS.forkedFrom] as { threadId?: unknown; messageId?: unknown } | undefined;
  const source = metadata[CATALOG_KEYS.titleSource];
  return {
    messageCount: typeof count === "number" ? count : undefined,
    hasBranches: metadata[CATALOG_KEYS.hasBranches] === true,
    forkedFrom:
      typeof fork?.threadId === "string" && typeof fork.messageId === "string"
        ? { threadId: fork.threadId, messageId: fork.messageId }
        : undefined,
    titleSource: typeof source === "string" ? source : undefined,
  };
}

/** A thread as the Threads tree lists it. */
export interface ThreadSummary {
  threadId: string;
  title?: string;
  createdAt: string;
  updatedAt: string;
  messageCount?: number;
  /** Created by Import Thread and not renamed since (the tree marks it: the original may be listed too). */
  imported?: boolean;
}

export function summaryOf(info: ThreadInfo): ThreadSummary {
  const entry = catalogOf(info);
  return {
    threadId: info.threadId,
    title: info.title,
    createdAt: info.createdAt,
    // The thread list's time is the last new content, not the last write (showing another version writes).
    updatedAt: activityOf(info),
    messageCount: entry.messageCount,
    imported: typeof info.metadata?.[IMPORTED_AT_KEY] === "string" && entry.titleSource !== "user",
  };
}

/**
 * Keeps the catalog's count and preview current so the thread list needs no state load. Every caller stores new
 * content, which is activity; one that only changes what is shown (another version) passes the old activity.
 */
export async function updateCatalog(
  checkpointer: BaseCheckpointSaver | undefined,
  threadId: string | undefined,
  messageCount: number,
  last: Message | undefined,
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (!checkpointer || !threadId) return;
  await checkpointer.setThreadInfo(threadId, {
    metadata: {
      [CATALOG_KEYS.messageCount]: messageCount,
      [CATALOG_KEYS.lastMessagePreview]: previewOf(last),
      [CATALOG_KEYS.lastMessageRole]: last?.role,
      [ACTIVITY_KEY]: new Date().toISOString(),
      ...extra,
    },
  });
}
