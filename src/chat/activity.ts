/**
 * When a thread last got new content, kept in its catalog metadata. The catalog's `updatedAt` moves with every
 * write — also when the user only shows another version of a message — so the thread list orders and dates
 * threads by this instead.
 */

export const ACTIVITY_KEY = "activityAt";
/** Catalog metadata of a thread created by Import Thread: when it was imported. */
export const IMPORTED_AT_KEY = "importedAt";

/** When a thread last got new content: its recorded activity, else its last write (threads from older stores). */
export function activityOf(info: { updatedAt: string; metadata?: Record<string, unknown> }): string {
  const at = info.metadata?.[ACTIVITY_KEY];
  return typeof at === "string" && at ? at : info.updatedAt;
}
