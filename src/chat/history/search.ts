/**
 * Full-text search over a store's thread titles and message text.
 *
 * Why this shape: a search must not load every thread's checkpoints, and a turn must not pay for
 * indexing. The index is an in-memory list of (thread, message, text) kept in step with the store
 * lazily: each search first asks the catalog (`listThreads`, cheap) and re-reads only the threads whose
 * `updatedAt` changed since they were indexed — normally none or one. What it read is appended to a
 * per-store JSON-lines file (searchFile.ts), so a fresh window starts from the file instead of the store.
 * Messages are only ever added or replaced (never dropped while the thread lives), so text from branches
 * that are no longer shown stays findable; opening such a hit switches to its branch (branches.ts).
 * Titles are read from the catalog on every search, so renames need no index work.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { ThreadInfo } from "../../checkpoint/types";
import type { Message } from "../../graph/messages";
import { appendSearchRecords, readSearchFile, writeSearchFile } from "./searchFile";
import type { IndexedMessageRecord, ThreadRecord } from "./searchFile";
import { fold, makeSnippet, matchAll, parseQuery, searchableText } from "./searchText";
import type { Snippet } from "./searchText";

/** What the index needs from a saver. */
export type SearchableStore = Pick<BaseCheckpointSaver, "listThreads" | "getTuple">;

export interface SearchHit {
  threadId: string;
  /** The catalog title ("" when the thread has none yet). */
  title: string;
  updatedAt: string;
  /** The message to scroll to; absent when the hit is the title. */
  messageId?: string;
  role?: string;
  snippet: Snippet;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Every match, including those left out by `limit`/`perThread`. */
  total: number;
}

export interface SearchOptions {
  /** Most hits returned (default 100). */
  limit?: number;
  /** Most message hits per thread (default 3); a title hit comes on top. */
  perThread?: number;
}

interface IndexedMessage {
  id: string;
  role: string;
  text: string;
  folded: string;
}

interface IndexedThread {
  /** The catalog `updatedAt` the messages were read at; undefined = never read. */
  syncedAt?: string;
  messages: IndexedMessage[];
  /** message id → index in `messages`; built on first need (a fresh window loading the file skips it). */
  positions?: Map<string, number>;
}

export class ThreadSearchIndex {
  private readonly threads = new Map<string, IndexedThread>();
  private loaded = false;
  private fileExists = false;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param options.file the index file of this store; without one the index lives in memory only.
   * @param options.readMessages what to index of a changed thread; default: its head's messages. (The
   *   history service passes every branch's messages for threads that have branches.)
   */
  constructor(
    private readonly store: SearchableStore,
    private readonly options: { file?: string; readMessages?: (info: ThreadInfo) => Promise<readonly Message[]> } = {},
  ) {}

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const catalog = await this.sync();
    return this.searchLoaded(catalog, query, options);
  }

  /** Brings the index up to date with the store; returns the catalog it saw. Calls are serialised. */
  sync(): Promise<ThreadInfo[]> {
    const run = this.queue.then(() => this.syncNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Number of indexed messages (for tests and the bench). */
  get size(): number {
    let count = 0;
    for (const thread of this.threads.values()) count += thread.messages.length;
    return count;
  }

  private async syncNow(): Promise<ThreadInfo[]> {
    if (!this.loaded) await this.load();
    const catalog = await this.store.listThreads();
    const records: ThreadRecord[] = [];
    const live = new Set<string>();
    for (const info of catalog) {
      live.add(info.threadId);
      const thread = this.threads.get(info.threadId);
      if (thread?.syncedAt === info.updatedAt) continue;
      // `updatedAt` has millisecond resolution: a write in the same millisecond as this read would keep it,
      // so the thread only counts as read at `updatedAt` once the clock has moved past it.
      const readAt = Date.now();
      const messages = await (this.options.readMessages ?? this.readHead)(info);
      const settled = readAt > Date.parse(info.updatedAt) ? info.updatedAt : undefined;
      const changed = this.apply(info.threadId, messages, settled);
      records.push({
        t: info.threadId,
        ...(settled ? { u: settled } : {}),
        ...(changed.length > 0 ? { m: changed } : {}),
      });
    }
    let deleted = false;
    for (const threadId of [...this.threads.keys()]) {
      if (live.has(threadId)) continue;
      this.threads.delete(threadId);
      deleted = true;
    }
    if (this.options.file) {
      // A deleted thread's text must leave the disk with it (the store's promise), not wait for a compaction.
      if (deleted) await this.rewrite();
      else if (records.length > 0 || !this.fileExists)
        await appendSearchRecords(this.options.file, records, !this.fileExists);
      this.fileExists = true;
    }
    return catalog;
  }

  /**
   * Drops threads (just deleted from the store) from the index and from its file at once. Call it after
   * `deleteThread`; a thread deleted elsewhere (another window) is dropped by the next search.
   */
  remove(threadIds: readonly string[]): Promise<void> {
    const run = this.queue.then(async () => {
      if (!this.loaded) await this.load();
      let removed = false;
      for (const threadId of threadIds) removed = this.threads.delete(threadId) || removed;
      if (removed && this.options.file) await this.rewrite();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async rewrite(): Promise<void> {
    if (!this.options.file) return;
    await writeSearchFile(this.options.file, this.snapshotRecords());
    this.fileExists = true;
  }

  private readonly readHead = async (info: ThreadInfo): Promise<readonly Message[]> => {
    const tuple = await this.store.getTuple({ configurable: { thread_id: info.threadId, checkpoint_ns: "" } });
    const messages = tuple?.checkpoint.channel_values.messages;
    return Array.isArray(messages) ? (messages as Message[]) : [];
  };

  /** Adds new and changed messages of one thread; returns what changed (to be written to the file). */
  private apply(threadId: string, messages: readonly Message[], syncedAt: string | undefined): IndexedMessageRecord[] {
    let thread = this.threads.get(threadId);
    if (!thread) {
      thread = { messages: [] };
      this.threads.set(threadId, thread);
    }
    const changed: IndexedMessageRecord[] = [];
    for (const message of messages) {
      if (!message || typeof message !== "object" || typeof message.id !== "string") continue;
      const text = searchableText(message);
      const role = typeof message.role === "string" ? message.role : "";
      if (this.upsert(thread, message.id, role, text)) changed.push([message.id, role, text]);
    }
    thread.syncedAt = syncedAt;
    return changed;
  }

  private upsert(thread: IndexedThread, id: string, role: string, text: string): boolean {
    thread.positions ??= new Map(thread.messages.map((message, index) => [message.id, index]));
    const at = thread.positions.get(id);
    if (at !== undefined) {
      const existing = thread.messages[at]!;
      if (existing.text === text && existing.role === role) return false;
      thread.messages[at] = { id, role, text, folded: fold(text) };
      return true;
    }
    thread.positions.set(id, thread.messages.length);
    thread.messages.push({ id, role, text, folded: fold(text) });
    return true;
  }

  private async load(): Promise<void> {
    this.loaded = true;
    if (!this.options.file) return;
    const file = await readSearchFile(this.options.file);
    if (!file) return; // missing or unusable: the first sync rebuilds it from the store
    this.fileExists = true;
    let written = 0;
    for (const record of file.records) {
      if (record.d) {
        this.threads.delete(record.t);
        continue;
      }
      let thread = this.threads.get(record.t);
      if (!thread) {
        // A thread's first record: its messages are distinct (the writer deduplicated them), append as they are.
        thread = { messages: (record.m ?? []).map(([id, role, text]) => ({ id, role, text, folded: fold(text) })) };
        this.threads.set(record.t, thread);
      } else {
        for (const [id, role, text] of record.m ?? []) this.upsert(thread, id, role, text);
      }
      written += record.m?.length ?? 0;
      if (record.u !== undefined) thread.syncedAt = record.u;
    }
    // Compact when most of what the file holds is dead (deleted threads, replaced texts).
    const live = this.size;
    if (written > 2 * live + 1000) await writeSearchFile(this.options.file, this.snapshotRecords());
  }

  private snapshotRecords(): ThreadRecord[] {
    return [...this.threads].map(([t, thread]) => ({
      t,
      u: thread.syncedAt,
      m: thread.messages.map((m): IndexedMessageRecord => [m.id, m.role, m.text]),
    }));
  }

  private searchLoaded(catalog: ThreadInfo[], query: string, options: SearchOptions): SearchResult {
    const terms = parseQuery(query);
    const limit = options.limit ?? 100;
    const perThread = options.perThread ?? 3;
    const hits: SearchHit[] = [];
    let total = 0;
    if (terms.length === 0) return { hits, total };
    // The catalog is newest first, so hits come newest thread first, in reading order inside a thread.
    for (const info of catalog) {
      const title = info.title ?? "";
      const titleFolded = fold(title);
      if (matchAll(titleFolded, terms)) {
        total++;
        if (hits.length < limit) {
          hits.push({
            threadId: info.threadId,
            title,
            updatedAt: info.updatedAt,
            snippet: makeSnippet(title, titleFolded, terms),
          });
        }
      }
      const thread = this.threads.get(info.threadId);
      if (!thread) continue;
      let inThread = 0;
      for (const message of thread.messages) {
        if (!matchAll(message.folded, terms)) continue;
        total++;
        if (hits.length >= limit || inThread >= perThread) continue;
        inThread++;
        hits.push({
          threadId: info.threadId,
          title,
          updatedAt: info.updatedAt,
          messageId: message.id,
          role: message.role,
          snippet: makeSnippet(message.text, message.folded, terms),
        });
      }
    }
    return { hits, total };
  }
}
