import type { BaseCheckpointSaver } from "./base";
import { WRITES_IDX_MAP, type CheckpointConfig, type CheckpointTuple, type PendingWrite } from "./types";

export interface CopyReport {
  /** Threads copied (with every checkpoint of every branch and namespace, pending writes and catalog entry). */
  threads: number;
  checkpoints: number;
  /** Threads left alone because the target already has a thread with that id. */
  skipped: string[];
}

/**
 * Copies threads from one saver to another: every checkpoint (all branches and namespaces, oldest first, each
 * under its own parent), their pending writes and the catalog entry. A thread the target already has is
 * skipped, never merged, so running the copy twice changes nothing.
 */
export async function copyThreads(
  from: BaseCheckpointSaver,
  to: BaseCheckpointSaver,
  options: { threadIds?: string[]; onProgress?: (done: number, total: number) => void } = {},
): Promise<CopyReport> {
  const ids = options.threadIds ?? (await from.listThreads()).map((t) => t.threadId);
  const report: CopyReport = { threads: 0, checkpoints: 0, skipped: [] };
  let done = 0;
  for (const threadId of ids) {
    options.onProgress?.(done++, ids.length);
    if ((await to.getThreadInfo(threadId)) || (await to.getTuple({ configurable: { thread_id: threadId } }))) {
      report.skipped.push(threadId);
      continue;
    }
    const info = await from.getThreadInfo(threadId);
    const tuples: CheckpointTuple[] = [];
    for await (const tuple of from.list({ configurable: { thread_id: threadId } })) tuples.push(tuple);
    tuples.sort((a, b) => (a.checkpoint.id < b.checkpoint.id ? -1 : a.checkpoint.id > b.checkpoint.id ? 1 : 0));
    const lock = await to.lockThread(threadId);
    try {
      for (const tuple of tuples) {
        const ns = tuple.config.configurable?.checkpoint_ns ?? "";
        const parent = tuple.parentConfig?.configurable?.checkpoint_id;
        const config: CheckpointConfig = {
          configurable: { thread_id: threadId, checkpoint_ns: ns, ...(parent ? { checkpoint_id: parent } : {}) },
        };
        await to.put(
          config,
          tuple.checkpoint,
          tuple.metadata ?? { source: "input", step: -1, parents: {} },
          tuple.checkpoint.channel_versions,
        );
        await copyWrites(
          to,
          { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: tuple.checkpoint.id } },
          tuple,
        );
        report.checkpoints++;
      }
    } finally {
      await lock.release();
    }
    if (info)
      await to.setThreadInfo(threadId, {
        ...(info.title !== undefined ? { title: info.title } : {}),
        metadata: info.metadata,
      });
    report.threads++;
  }
  options.onProgress?.(done, ids.length);
  return report;
}

/** A task's ordinary writes keep their positions; special channels (fixed negative indices) go on their own. */
async function copyWrites(to: BaseCheckpointSaver, config: CheckpointConfig, tuple: CheckpointTuple): Promise<void> {
  const byTask = new Map<string, { ordinary: PendingWrite[]; special: PendingWrite[] }>();
  for (const [taskId, channel, value] of tuple.pendingWrites ?? []) {
    let entry = byTask.get(taskId);
    if (!entry) byTask.set(taskId, (entry = { ordinary: [], special: [] }));
    (Object.prototype.hasOwnProperty.call(WRITES_IDX_MAP, channel) ? entry.special : entry.ordinary).push([
      channel,
      value,
    ]);
  }
  for (const [taskId, { ordinary, special }] of byTask) {
    if (ordinary.length) await to.putWrites(config, ordinary, taskId);
    for (const write of special) await to.putWrites(config, [write], taskId);
  }
}
