/** What the store reports when it recovers from damage (never thrown: the intact data stays usable). */
export interface StoreWarning {
  code:
    | "TORN_TAIL"
    | "CORRUPT_RECORD"
    | "CORRUPT_PACK"
    | "TORN_PACK_TAIL"
    | "DROPPED_CHECKPOINT"
    | "LOST_MESSAGES"
    | "CATALOG_REBUILT"
    | "CATALOG_TORN_TAIL"
    | "UNREADABLE_THREAD"
    | "LINKED_FILE"
    | "MISSING_LOG"
    | "HEAD_CACHE_IGNORED"
    | "COMPACTION_FAILED"
    | "CATALOG_WRITE_FAILED"
    | "CATALOG_UNUSABLE";
  message: string;
  threadId?: string;
  file?: string;
}

export function defaultWarn(warning: StoreWarning): void {
  console.warn(`[skein store] ${warning.message}`);
}
