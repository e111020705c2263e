import { join } from "node:path";
import { threadFileStem } from "./format/names";
import { ThreadFiles } from "./threadFiles";
import type { StoreWarning } from "./warnings";

/**
 * The threads a saver keeps loaded, least recently used first out. A thread the saver is writing or holds
 * locked (`pinned`) is never evicted; an evicted one is handed to `evict` (which saves its head cache).
 */
export class ThreadCache {
  private readonly threads = new Map<string, ThreadFiles>();

  constructor(
    private readonly threadsDir: string,
    private readonly warn: (warning: StoreWarning) => void,
    private readonly limit: number,
    private readonly pinned: (threadId: string) => boolean,
    private readonly evict: (files: ThreadFiles) => void,
  ) {}

  get(threadId: string): ThreadFiles {
    let files = this.threads.get(threadId);
    if (files) {
      this.threads.delete(threadId);
      this.threads.set(threadId, files); // LRU: most recent last
      return files;
    }
    const stem = threadFileStem(threadId);
    files = new ThreadFiles(
      threadId,
      join(this.threadsDir, `${stem}.log`),
      join(this.threadsDir, `${stem}.pack`),
      this.warn,
    );
    this.threads.set(threadId, files);
    if (this.threads.size > this.limit) {
      for (const [id, old] of this.threads) {
        if (this.threads.size <= this.limit) break;
        if (id === threadId || this.pinned(id)) continue;
        this.evict(old);
        this.threads.delete(id);
      }
    }
    return files;
  }

  peek(threadId: string): ThreadFiles | undefined {
    return this.threads.get(threadId);
  }

  drop(threadId: string): void {
    this.threads.get(threadId)?.closeFd();
    this.threads.delete(threadId);
  }

  /** Hands every loaded thread to `evict` and forgets them all. */
  clear(): void {
    for (const files of this.threads.values()) this.evict(files);
    this.threads.clear();
  }
}
