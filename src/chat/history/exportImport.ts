/**
 * Export a thread (Markdown of the shown branch; lossless JSON of the whole tree) and import a JSON export
 * as a new thread. Import writes through the graph's `updateState` — the same API a LangGraph user would use
 * to seed a thread — one checkpoint per straight run of messages, forking where the tree branches, so the
 * imported thread has a real checkpoint tree that branchReads.ts reads like any other.
 */
import { IMPORTED_AT_KEY } from "../activity";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import { CATALOG_KEYS, DERIVED_CATALOG_KEYS, updateCatalog } from "../catalog";
import type { HistoryGraph, HistoryRunConfig } from "./branches";
import { BranchReads } from "./branchReads";
import { viewOf, type MessageTree } from "./branchTree";
import {
  THREAD_EXPORT_FORMAT,
  THREAD_EXPORT_VERSION,
  ThreadImportError,
  parseThreadExport,
  serializeThreadExport,
} from "./exportImportJson";
import type { ExportedNode, ThreadExport } from "./exportImportJson";
import { threadToMarkdown } from "./exportImportMarkdown";

export interface ExportContext {
  saver: BaseCheckpointSaver;
  /** Needed for import (it writes through `updateState`). */
  graph?: HistoryGraph;
  /** The node import writes messages as (the chat graph's model node). */
  writerNode?: string;
}

async function exportThreadData(context: ExportContext, threadId: string): Promise<ThreadExport> {
  const reads = new BranchReads(context.saver);
  const [tree, info] = await Promise.all([reads.shownTree(threadId), context.saver.getThreadInfo(threadId)]);
  const metadata = userMetadata(info?.metadata ?? {});
  const { messages, indexOf } = flatten(tree);
  const headEnd = tree.headCheckpointId === undefined ? -1 : tree.ends.get(tree.headCheckpointId)!;
  return {
    format: THREAD_EXPORT_FORMAT,
    version: THREAD_EXPORT_VERSION,
    title: info?.title ?? null,
    metadata,
    messages,
    head: headEnd === -1 ? null : indexOf.get(headEnd)!,
  };
}

export async function exportThreadJson(context: ExportContext, threadId: string): Promise<string> {
  return serializeThreadExport(await exportThreadData(context, threadId));
}

export async function exportThreadMarkdown(context: ExportContext, threadId: string): Promise<string> {
  const reads = new BranchReads(context.saver);
  const [tree, info] = await Promise.all([reads.shownTree(threadId), context.saver.getThreadInfo(threadId)]);
  const view = viewOf(threadId, tree);
  return threadToMarkdown(
    view.messages.map((entry) => entry.message),
    { title: info?.title, otherBranches: view.branchCount - 1 },
  );
}

/**
 * Validates `text` completely, then creates thread `newThreadId` holding its messages and branches, the
 * shown branch as head. On any failure nothing is left behind (a half-written thread is deleted).
 */
export async function importThreadJson(
  context: ExportContext,
  text: string,
  newThreadId: string,
): Promise<{ threadId: string; title: string | null; messageCount: number }> {
  const data = parseThreadExport(text);
  if (!context.graph) throw new Error("importThreadJson needs the graph (it writes through updateState).");
  if (await context.saver.getThreadInfo(newThreadId))
    throw new ThreadImportError("IMPORT_INVALID", `Thread ${newThreadId} already exists.`);
  const graph = context.graph;
  const writerNode = context.writerNode ?? "call_model";
  const children: number[][] = data.messages.map(() => []);
  const roots: number[] = [];
  data.messages.forEach((node, index) => (node.parent === null ? roots : children[node.parent]!).push(index));
  const shown = data.head === null ? 0 : pathLength(data.messages, data.head);
  let knownLeaves: string[] = [];
  try {
    if (data.messages.length > 0) {
      // An empty first checkpoint, so several first messages (an edited first message) can fork from it.
      const root = await graph.updateState(
        { configurable: { thread_id: newThreadId, checkpoint_ns: "" } },
        { messages: [] },
        writerNode,
      );
      let headConfig: HistoryRunConfig | undefined;
      // Forks made by updateState carry no fork marker: the catalog lists the leaves (branchLeaves.ts).
      const leaves: string[] = [];
      let newest: HistoryRunConfig | undefined;
      // Depth-first, children in order: siblings get checkpoints in their original order ("‹ 1/3 ›" stays).
      const stack: Array<{ start: number; from: HistoryRunConfig }> = roots
        .map((start) => ({ start, from: root }))
        .reverse();
      while (stack.length > 0) {
        const { start, from } = stack.pop()!;
        const segment = [start];
        let end = start;
        while (children[end]!.length === 1 && end !== data.head) segment.push((end = children[end]![0]!));
        newest = await graph.updateState(
          from,
          { messages: segment.map((index) => data.messages[index]!.message) },
          writerNode,
        );
        if (end === data.head) headConfig = newest;
        if (children[end]!.length === 0 && newest.configurable?.checkpoint_id)
          leaves.push(newest.configurable.checkpoint_id);
        for (const child of [...children[end]!].reverse()) stack.push({ start: child, from: newest });
      }
      if (headConfig && headConfig.configurable?.checkpoint_id !== newest?.configurable?.checkpoint_id) {
        await graph.updateState(headConfig, null, "__copy__");
      }
      knownLeaves = leaves;
    }
    const branched = children.some((list) => list.length > 1) || roots.length > 1;
    await context.saver.setThreadInfo(newThreadId, {
      ...(data.title !== null ? { title: data.title } : {}),
      // Marked as imported (the tree says so: the original thread may be listed with the same title).
      metadata: {
        ...userMetadata(data.metadata),
        [IMPORTED_AT_KEY]: new Date().toISOString(),
        ...(branched ? { [CATALOG_KEYS.hasBranches]: true, [CATALOG_KEYS.knownLeaves]: knownLeaves } : {}),
      },
    });
    await updateCatalog(
      context.saver,
      newThreadId,
      shown,
      data.head === null ? undefined : data.messages[data.head]!.message,
    );
  } catch (error) {
    await context.saver.deleteThread(newThreadId).catch(() => undefined);
    throw error;
  }
  return { threadId: newThreadId, title: data.title, messageCount: shown };
}

/** Catalog metadata without the keys Skein derives (a file cannot plant them). */
function userMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  // Own properties only (fromEntries): a key named "__proto__" stays data.
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !DERIVED_CATALOG_KEYS.includes(key)));
}

/** The tree in depth-first order (children oldest first), parents as indices. */
function flatten(tree: MessageTree): { messages: ExportedNode[]; indexOf: Map<number, number> } {
  const messages: ExportedNode[] = [];
  const indexOf = new Map<number, number>();
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const key = stack.pop()!;
    const node = tree.nodes[key]!;
    indexOf.set(key, messages.length);
    messages.push({ parent: node.parent === -1 ? null : indexOf.get(node.parent)!, message: node.message });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { messages, indexOf };
}

function pathLength(messages: ExportedNode[], head: number): number {
  let length = 0;
  for (let at: number | null = head; at !== null; at = messages[at]!.parent) length++;
  return length;
}
