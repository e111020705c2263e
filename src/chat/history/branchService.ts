/**
 * Time travel, search and export for one store, as the extension uses them (no `vscode` import):
 *
 *   const history = historyFor(saver, { searchFile });        // one per store (cached per saver)
 *   await history.siblings(threadId)                          // { [messageId]: { index, count } } for "‹ 2/3 ›"
 *   const plan = await history.planEdit(threadId, messageId, text)   // then run it with streaming:
 *   await chatThreads.runPlanned(threadId, plan, { signal, onEvent }) //   (ChatThreads, C's service)
 *   await history.afterRun(threadId)                          // catalog count/preview of the shown branch
 *   await history.switchBranch(threadId, messageId, index) / showMessage(threadId, messageId)
 *   const newId = await history.fork(threadId, messageId)
 *   await history.exportThread(threadId, "markdown" | "json") / importThread(text)
 *   await history.search(query)                               // SearchResult (hits with snippet + messageId)
 *
 * Reading and rewiring the checkpoint tree needs the graph (getState, updateState with "__copy__") but never
 * the model: the graph here is the chat graph over a model that refuses to be called, so no API key or
 * settings are needed to switch branches, fork, import or export.
 */
import { v4 as uuid4 } from "uuid";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { StoredMessage } from "../../graph/messages";
import type { ChatModel, ModelEvent } from "../../model/types";
import { HAS_BRANCHES_KEY, ThreadBranches } from "./branches";
import type { BranchView, HistoryGraph, PlannedRun } from "./branches";
import { createChatGraph } from "../chatGraph";
import { exportThreadJson, exportThreadMarkdown, importThreadJson } from "./exportImport";
import { ThreadSearchIndex } from "./search";
import type { SearchOptions, SearchResult } from "./search";

export type ExportFormat = "markdown" | "json";

/** Position of a message among its versions, for messages that have more than one. */
export type SiblingMap = Record<string, { index: number; count: number }>;

export interface HistoryServiceOptions {
  /** Where this store's search index lives (a file beside the store); memory only without it. */
  searchFile?: string;
}

/** The model of the history graph: switching, forking, importing never call it. */
const refusingModel: ChatModel = {
  model: "none",
  contextWindow: 1,
  maxTokens: 1,
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<ModelEvent> {
    throw new Error("The history graph never calls the model; run turns through ChatThreads.");
  },
};

export class HistoryService {
  readonly branches: ThreadBranches;
  readonly index: ThreadSearchIndex;
  private readonly graph: HistoryGraph;

  constructor(
    readonly saver: BaseCheckpointSaver,
    options: HistoryServiceOptions = {},
  ) {
    this.graph = createChatGraph({ model: refusingModel, checkpointer: saver }) as unknown as HistoryGraph;
    this.branches = new ThreadBranches(saver, this.graph);
    this.index = new ThreadSearchIndex(saver, {
      file: options.searchFile,
      // A thread with branches is indexed whole (every branch), so hits on branches not shown are found too.
      readMessages: async (info) => {
        if (info.metadata?.[HAS_BRANCHES_KEY] === true) return (await this.branches.leafTree(info.threadId)).nodes.map((node) => node.message);
        return shownMessages(await this.branches.getBranchView(info.threadId));
      },
    });
  }

  view(threadId: string): Promise<BranchView> {
    return this.branches.getBranchView(threadId);
  }

  /** Sibling positions of the shown branch's messages that have other versions. */
  async siblings(threadId: string): Promise<SiblingMap> {
    const out: SiblingMap = Object.create(null);
    // Most threads never forked: answer without reading the thread at all.
    if (!(await this.branches.isBranched(threadId))) return out;
    for (const { message, siblings } of (await this.view(threadId)).messages) {
      if (siblings.count > 1) out[message.id] = { index: siblings.index, count: siblings.count };
    }
    return out;
  }

  planEdit(threadId: string, messageId: string, text: string): Promise<PlannedRun> {
    return this.branches.planEdit(threadId, messageId, text);
  }

  planRegenerate(threadId: string, messageId: string): Promise<PlannedRun> {
    return this.branches.planRegenerate(threadId, messageId);
  }

  afterRun(threadId: string): Promise<BranchView> {
    return this.branches.afterRun(threadId);
  }

  switchBranch(threadId: string, messageId: string, index: number): Promise<BranchView> {
    return this.branches.switchBranch(threadId, messageId, index);
  }

  showMessage(threadId: string, messageId: string): Promise<BranchView> {
    return this.branches.showMessage(threadId, messageId);
  }

  fork(threadId: string, messageId: string): Promise<string> {
    return this.branches.forkToNewThread(threadId, messageId, uuid4());
  }

  exportThread(threadId: string, format: ExportFormat): Promise<string> {
    const context = { saver: this.saver, graph: this.graph };
    return format === "json" ? exportThreadJson(context, threadId) : exportThreadMarkdown(context, threadId);
  }

  /** Validates, then creates a new thread (new id); throws ThreadImportError and creates nothing on bad input. */
  importThread(text: string): Promise<{ threadId: string; title: string | null; messageCount: number }> {
    return importThreadJson({ saver: this.saver, graph: this.graph }, text, uuid4());
  }

  search(query: string, options?: SearchOptions): Promise<SearchResult> {
    return this.index.search(query, options);
  }

  /** After deleting a thread: drop its cached tree and remove its text from the search index file at once. */
  async threadDeleted(threadId: string): Promise<void> {
    this.branches.forget(threadId);
    await this.index.remove([threadId]);
  }
}

const services = new WeakMap<BaseCheckpointSaver, HistoryService>();

/** The history service of a store (one per saver instance, so the branch cache and search index are shared). */
export function historyFor(saver: BaseCheckpointSaver, options: HistoryServiceOptions = {}): HistoryService {
  let service = services.get(saver);
  if (!service) {
    service = new HistoryService(saver, options);
    services.set(saver, service);
  }
  return service;
}

/** Messages of a view, for callers that only want the shown branch. */
export function shownMessages(view: BranchView): StoredMessage[] {
  return view.messages.map((entry) => entry.message);
}
