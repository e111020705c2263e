import { checkThreadInfoUpdate } from "./limits";
import { migratePendingSends } from "./migrate";
import { BaseCheckpointSaver } from "./base";
import { requireThreadId, requireWriteTarget } from "./config";
import { deepCopy, insertSorted, setOwn } from "./json";
import { selectForList } from "./listing";
import { checkWellFormedThreadId } from "./threadIds";
import {
  WRITES_IDX_MAP,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointConfig,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type ThreadInfo,
  type ThreadInfoUpdate,
  type ThreadLock,
} from "./types";

interface StoredCheckpoint {
  threadId: string;
  ns: string;
  /** Never handed out: values are copied on the way in and on the way out. */
  checkpoint: Checkpoint;
  metadata: CheckpointMetadata;
  parentId?: string;
}

interface StoredNamespace {
  byId: Map<string, StoredCheckpoint>;
  /** Ascending; ids are time-ordered so this is nearly always an append. */
  ids: string[];
  /** checkpoint id → (taskId + index → write). */
  writes: Map<string, Map<string, CheckpointPendingWrite>>;
}

interface StoredThread {
  namespaces: Map<string, StoredNamespace>;
  info?: ThreadInfo;
  /** Touch order, so ties within one millisecond still list newest first. */
  touched: number;
}

/**
 * In-process saver. Every map is a `Map`, so `__proto__`/`constructor`/`prototype` are ordinary keys.
 *
 * Storage is O(delta): a channel that did not change since the parent shares the parent's stored copy, and
 * array elements (messages) already stored are shared by identity, so a turn stores only its new messages.
 * That sharing assumes array elements handed to `put` are not edited in place afterwards (the runtime never
 * does; reducers return new arrays with the same elements). Values handed out are always fresh deep copies.
 */
export class MemorySaver extends BaseCheckpointSaver {
  private readonly threads = new Map<string, StoredThread>();
  /** (thread, ns, channel) → the array last seen for it and its stored copy, for structure sharing. */
  private readonly recent = new Map<string, { items: unknown[]; stored: unknown[] }>();
  private touchCounter = 0;
  private lastTime = 0;

  async getTuple(config: CheckpointConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined) return undefined;
    checkWellFormedThreadId(threadId);
    const space = this.threads.get(threadId)?.namespaces.get(config.configurable?.checkpoint_ns ?? "");
    if (!space) return undefined;
    const id = config.configurable?.checkpoint_id ?? space.ids[space.ids.length - 1];
    const saved = id === undefined ? undefined : space.byId.get(id);
    return saved ? this.toTuple(saved, space, true) : undefined;
  }

  async *list(config: CheckpointConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const threadId = config.configurable?.thread_id;
    if (threadId !== undefined) checkWellFormedThreadId(threadId);
    const threads = threadId === undefined ? [...this.threads.values()] : [this.threads.get(threadId)];
    const selected = selectForList<{ saved: StoredCheckpoint; space: StoredNamespace }>(
      config,
      options,
      threads.map((thread) =>
        [...(thread?.namespaces ?? [])].map(([ns, space]) => ({
          ns,
          ids: space.ids,
          lookup: (id: string) => {
            const saved = space.byId.get(id);
            return saved && { ref: { saved, space }, metadata: saved.metadata };
          },
        })),
      ),
      threads.length > 1,
    );
    for (const { saved, space } of selected) yield this.toTuple(saved, space, false);
  }

  async put(
    config: CheckpointConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<CheckpointConfig> {
    const threadId = checkWellFormedThreadId(requireThreadId(config, "put"));
    const ns = config.configurable?.checkpoint_ns ?? "";
    const parentId = config.configurable?.checkpoint_id;
    const thread = this.thread(threadId);
    let space = thread.namespaces.get(ns);
    if (!space) thread.namespaces.set(ns, (space = { byId: new Map(), ids: [], writes: new Map() }));
    const parent = parentId === undefined ? undefined : space.byId.get(parentId);

    const values: Record<string, unknown> = {};
    for (const [channel, value] of Object.entries(checkpoint.channel_values)) {
      const unchanged =
        parent !== undefined &&
        !(channel in newVersions) &&
        Object.prototype.hasOwnProperty.call(parent.checkpoint.channel_values, channel) &&
        parent.checkpoint.channel_versions[channel] === checkpoint.channel_versions[channel];
      setOwn(
        values,
        channel,
        unchanged ? parent.checkpoint.channel_values[channel] : this.copyIn(value, recentKey(threadId, ns, channel)),
      );
    }
    const saved: StoredCheckpoint = {
      threadId,
      ns,
      checkpoint: {
        v: checkpoint.v,
        id: checkpoint.id,
        ts: checkpoint.ts,
        channel_values: values,
        channel_versions: { ...checkpoint.channel_versions },
        versions_seen: deepCopy(checkpoint.versions_seen),
      },
      metadata: deepCopy(metadata),
      ...(parentId !== undefined ? { parentId } : {}),
    };
    if (!space.byId.has(checkpoint.id)) insertSorted(space.ids, checkpoint.id);
    space.byId.set(checkpoint.id, saved);
    this.touch(thread, threadId);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const { threadId, checkpointId, ns } = requireWriteTarget(config);
    checkWellFormedThreadId(threadId);
    const thread = this.thread(threadId);
    let space = thread.namespaces.get(ns);
    if (!space) thread.namespaces.set(ns, (space = { byId: new Map(), ids: [], writes: new Map() }));
    let forCheckpoint = space.writes.get(checkpointId);
    if (!forCheckpoint) space.writes.set(checkpointId, (forCheckpoint = new Map()));
    writes.forEach(([channel, value], index) => {
      const idx = WRITES_IDX_MAP[channel] ?? index;
      const key = `${taskId}\u0000${idx}`;
      // Special channels (error, interrupt, resume…) replace; a finished task's ordinary writes are never clobbered.
      if (idx >= 0 && forCheckpoint.has(key)) return;
      forCheckpoint.set(key, [taskId, channel, this.copyIn(value)]);
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    checkWellFormedThreadId(threadId);
    this.threads.delete(threadId);
    for (const key of [...this.recent.keys()]) if (key.startsWith(`${threadId}\u0000`)) this.recent.delete(key);
  }

  async listThreads(options: { limit?: number } = {}): Promise<ThreadInfo[]> {
    const entries = [...this.threads.values()].filter((t) => t.info !== undefined);
    entries.sort((a, b) => b.touched - a.touched);
    const limited = options.limit === undefined ? entries : entries.slice(0, options.limit);
    return limited.map((t) => deepCopy(t.info!));
  }

  async getThreadInfo(threadId: string): Promise<ThreadInfo | undefined> {
    const info = this.threads.get(checkWellFormedThreadId(threadId))?.info;
    return info ? deepCopy(info) : undefined;
  }

  async setThreadInfo(threadId: string, update: ThreadInfoUpdate): Promise<ThreadInfo> {
    checkWellFormedThreadId(threadId);
    checkThreadInfoUpdate(update);
    const thread = this.thread(threadId);
    if (!thread.info) this.touch(thread, threadId);
    const info = thread.info!;
    if (update.title !== undefined) info.title = update.title;
    if (update.metadata) {
      for (const [key, value] of Object.entries(update.metadata)) {
        if (value === undefined) delete info.metadata[key];
        else setOwn(info.metadata, key, deepCopy(value));
      }
    }
    return deepCopy(info);
  }

  override async lockThread(threadId: string): Promise<ThreadLock> {
    return super.lockThread(checkWellFormedThreadId(threadId));
  }

  private thread(threadId: string): StoredThread {
    let thread = this.threads.get(threadId);
    if (!thread) this.threads.set(threadId, (thread = { namespaces: new Map(), touched: 0 }));
    return thread;
  }

  /** Bumps the catalog entry (creating it) — `updatedAt` never goes backwards. */
  private touch(thread: StoredThread, threadId: string): void {
    this.lastTime = Math.max(Date.now(), this.lastTime);
    const now = new Date(this.lastTime).toISOString();
    thread.touched = ++this.touchCounter;
    if (thread.info) thread.info.updatedAt = now;
    else thread.info = { threadId, createdAt: now, updatedAt: now, metadata: {} };
  }

  /** `remember`: a run reads with getTuple, so only that read sets up structure sharing for its puts. */
  private toTuple(saved: StoredCheckpoint, space: StoredNamespace, remember: boolean): CheckpointTuple {
    const { threadId, ns, checkpoint } = saved;
    const values: Record<string, unknown> = {};
    for (const [channel, value] of Object.entries(checkpoint.channel_values)) {
      setOwn(values, channel, this.copyOut(value, remember ? recentKey(threadId, ns, channel) : undefined));
    }
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } },
      checkpoint: {
        ...checkpoint,
        channel_values: values,
        channel_versions: { ...checkpoint.channel_versions },
        versions_seen: deepCopy(checkpoint.versions_seen),
      },
      metadata: deepCopy(saved.metadata),
      pendingWrites: [...(space.writes.get(checkpoint.id)?.values() ?? [])].map(([taskId, channel, value]) => [
        taskId,
        channel,
        this.copyOut(value),
      ]),
    };
    if (saved.parentId !== undefined) {
      tuple.parentConfig = { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: saved.parentId } };
      if (checkpoint.v < 4) {
        const parentWrites = [...(space.writes.get(saved.parentId)?.values() ?? [])].map(
          ([taskId, channel, value]): CheckpointPendingWrite => [taskId, channel, this.copyOut(value)],
        );
        tuple.checkpoint = migratePendingSends(tuple.checkpoint, parentWrites, (v) => this.getNextVersion(v));
      }
    }
    return tuple;
  }

  /**
   * Stores a copy. For an array channel (messages), the leading elements that are the very objects last seen
   * for this channel (handed to put, or handed out by a read) share their stored copies: a turn copies only
   * what is new, with a pointer comparison per older element.
   */
  private copyIn(value: unknown, key?: string): unknown {
    if (!Array.isArray(value)) return deepCopy(value);
    const recent = key === undefined ? undefined : this.recent.get(key);
    let shared = 0;
    if (recent) {
      const limit = Math.min(recent.items.length, value.length);
      while (shared < limit && value[shared] === recent.items[shared]) shared++;
    }
    const stored = shared > 0 ? recent!.stored.slice(0, shared) : [];
    for (let i = shared; i < value.length; i++) stored.push(deepCopy(value[i]));
    if (key !== undefined) this.remember(key, value, stored);
    return stored;
  }

  /** Hands out a fresh copy, remembering which stored elements its elements stand for. */
  private copyOut(value: unknown, key?: string): unknown {
    if (!Array.isArray(value)) return deepCopy(value);
    const out = value.map(deepCopy);
    if (key !== undefined) this.remember(key, out, value);
    return out;
  }

  private remember(key: string, items: unknown[], stored: unknown[]): void {
    this.recent.delete(key);
    // Our own snapshot of the pointers: replacing an element of the caller's array cannot fool the comparison.
    this.recent.set(key, { items: items.slice(), stored });
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value!);
  }
}

/** How many (thread, channel) pairs keep their last-seen array for structure sharing. */
const RECENT_LIMIT = 64;

const recentKey = (threadId: string, ns: string, channel: string) => `${threadId}\u0000${ns}\u0000${channel}`;
