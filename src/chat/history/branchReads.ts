/**
 * Reading a thread's branches without reading more than it needs: a thread that never forked is its head
 * checkpoint; a branched one is read from its leaves (branchLeaves.ts); only planning a re-run far back reads
 * every checkpoint, once per thread (later reads take only the newer checkpoints). The trees stay cached for the
 * most recently read threads. ThreadBranches (branches.ts) builds its edits, switches and forks on these reads.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { StoredMessage } from "../../graph/messages";
import { CATALOG_KEYS } from "../catalog";
import { readLeafViews, toView } from "./branchLeaves";
import { MessageTreeBuilder, buildMessageTree, viewOf } from "./branchTree";
import type { BranchView, CheckpointView, MessageTree } from "./branchTree";

/** Threads whose trees stay cached (most recently built); a long session must not keep every thread's messages. */
const CACHED_THREADS = 16;

export class BranchReads {
  /** Per thread: the tree built so far and up to which checkpoint (reads after the first are incremental). */
  private readonly cache = new Map<string, MessageTreeBuilder>();
  /** Per thread: the leaf tree and the catalog `updatedAt` it was read at (settled = the clock moved past it). */
  private readonly leafCache = new Map<string, { updatedAt: string; tree: MessageTree }>();

  constructor(protected readonly saver: BaseCheckpointSaver) {}

  /**
   * The whole message tree of the thread, from every checkpoint. The first call per thread reads them all;
   * later calls read only checkpoints newer than the last seen (savers list newest first and materialise
   * lazily, so stopping early is cheap).
   */
  async tree(threadId: string): Promise<MessageTree> {
    const cached = this.cache.get(threadId);
    const config = { configurable: { thread_id: threadId, checkpoint_ns: "" } };
    if (cached) {
      const known = cached.newestCheckpointId;
      const fresh: CheckpointView[] = [];
      let reached = known === undefined;
      for await (const tuple of this.saver.list(config)) {
        if (known !== undefined && tuple.checkpoint.id <= known) {
          // Still there: what is older was read before. (Gone = the thread was replaced: rebuild.)
          reached =
            (await this.saver.getTuple({ configurable: { ...config.configurable, checkpoint_id: known } })) !==
            undefined;
          break;
        }
        fresh.push(toView(tuple));
      }
      if (reached) {
        for (const view of fresh) cached.add(view);
        return cached.build();
      }
      this.cache.delete(threadId);
    }
    const builder = new MessageTreeBuilder();
    for await (const tuple of this.saver.list(config)) builder.add(toView(tuple));
    remember(this.cache, threadId, builder);
    return builder.build();
  }

  /** Drops what is cached about a thread (after deleting it). */
  forget(threadId: string): void {
    this.cache.delete(threadId);
    this.leafCache.delete(threadId);
  }

  /**
   * Every message and branch, read from the leaves only (branchLeaves.ts): a handful of checkpoint reads
   * instead of all of them. Exact for what the chat shows (messages, "‹ i/n ›", each branch's newest
   * continuation); planning a re-run still uses the full tree, which knows every checkpoint.
   */
  async leafTree(threadId: string): Promise<MessageTree> {
    const info = await this.saver.getThreadInfo(threadId);
    const cached = this.leafCache.get(threadId);
    if (cached && info && cached.updatedAt === info.updatedAt) return cached.tree;
    const readAt = Date.now();
    const known = info?.metadata?.[CATALOG_KEYS.knownLeaves];
    const tree = buildMessageTree(
      await readLeafViews(this.saver, threadId, Array.isArray(known) ? (known as string[]) : []),
    );
    if (info && readAt > Date.parse(info.updatedAt))
      remember(this.leafCache, threadId, { updatedAt: info.updatedAt, tree });
    else this.leafCache.delete(threadId);
    return tree;
  }

  /**
   * The tree as far as it matters: the full scan for a thread with branches, else just the head's messages
   * (a thread that never forked is one chain, and reading one checkpoint is O(thread), not O(history)).
   */
  async shownTree(threadId: string): Promise<MessageTree> {
    if (await this.isBranched(threadId)) return this.leafTree(threadId);
    const builder = new MessageTreeBuilder();
    const head = await this.saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    if (head) {
      const messages = head.checkpoint.channel_values.messages;
      builder.add({
        checkpointId: head.checkpoint.id,
        messages: Array.isArray(messages) ? (messages as StoredMessage[]) : [],
      });
    }
    return builder.build();
  }

  /**
   * Has the thread ever forked? The catalog flag, or — for forks made elsewhere (a replay through the
   * runtime, Retry regenerating a reply), which carry `source: "fork"` — a metadata-only probe whose
   * answer is then remembered in the catalog.
   */
  async isBranched(threadId: string): Promise<boolean> {
    const info = await this.saver.getThreadInfo(threadId);
    if (info?.metadata?.[CATALOG_KEYS.hasBranches] === true) return true;
    for await (const fork of this.saver.list(
      { configurable: { thread_id: threadId, checkpoint_ns: "" } },
      { filter: { source: "fork" }, limit: 1 },
    )) {
      void fork;
      if (info) await this.markBranched(threadId);
      return true;
    }
    return false;
  }

  /** The shown branch with sibling counts — what the chat renders. */
  async getBranchView(threadId: string): Promise<BranchView> {
    return viewOf(threadId, await this.shownTree(threadId));
  }

  /** Remembers in the catalog that the thread has forked (its reads then take the leaves). */
  protected async markBranched(threadId: string): Promise<void> {
    await this.saver.setThreadInfo(threadId, { metadata: { [CATALOG_KEYS.hasBranches]: true } });
  }
}

function remember<V>(cache: Map<string, V>, threadId: string, value: V): void {
  cache.delete(threadId);
  cache.set(threadId, value);
  for (const key of cache.keys()) {
    if (cache.size <= CACHED_THREADS) break;
    cache.delete(key);
  }
}
