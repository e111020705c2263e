/**
 * The thread service: everything the chat view and the Threads tree do with the threads of one store — the
 * catalog (list, create, rename, delete), loading a thread for display, turns and Stop, branches (edit,
 * regenerate, switch, fork), search and export/import. One instance per store; no `vscode` import.
 *
 *   const threads = new ThreadService({ checkpointer, model: () => currentModel(), systemPrompt, context, searchFile });
 *   const threadId = await threads.create();
 *   const result = await threads.sendMessage(threadId, "hi! I'm bob", { signal, onEvent });   // turns.ts: ChatEvent, TurnResult
 *   await threads.retry(threadId, { onEvent });       // re-runs a failed turn, or regenerates the last reply
 *   threads.stop(threadId);                           // the partial reply is kept (metadata.interrupted)
 *   await threads.load(threadId);                     // { title, messages, interrupted, error?, siblings? } for display
 *   await threads.branch(threadId, { kind: "edit", messageId, text }, { onEvent });
 *   await threads.switchBranch(threadId, messageId, index) / fork(threadId, messageId) / search(query)
 *
 * Model failures never throw: they come back as `status: "failed"` with a `ModelError` (stable `code`,
 * user-facing `message`). Starting a second turn on a thread that runs one in this instance throws
 * `ThreadBusyError`. The model is resolved per turn, so new settings apply to the next turn.
 */
import { v4 as uuid4 } from "uuid";
import type { Message, StoredMessage } from "../graph/messages";
import { ModelError } from "../model/errors";
import type { ChatGraph } from "./chatGraph";
import { ensureTitle } from "./callModel";
import { CATALOG_KEYS, catalogOf, summaryOf, type ThreadSummary } from "./catalog";
import { ThreadBranches, type HistoryGraph, type PlannedRun } from "./history/branches";
import { exportThreadJson, exportThreadMarkdown, importThreadJson } from "./history/exportImport";
import { ThreadSearchIndex, type SearchOptions, type SearchResult } from "./history/search";
import { createHistoryGraph, TurnGraphs, type ChatGraphSettings } from "./serviceGraphs";
import { readPendingApprovals, readThreadState } from "./threadState";
import type { LoadedThread, SiblingMap } from "./threadView";
import { Command } from "../graph/command";
import { checkDecision, pendingApprovalsOf } from "./tools/approvals";
import { ToolRuns } from "./tools/toolRuns";
import { ApprovalNotPendingError } from "./tools/errors";
import { closeAbandonedCalls, closeBeforeNewInput, closeStoppedCalls } from "./tools/openCalls";
import type { PendingApproval, ToolApprovalDecision } from "./tools/types";
import { Turns, type ThreadConfig, type TurnOptions, type TurnResult } from "./turns";

export type { ChatEvent, TurnOptions, TurnResult } from "./turns";

/** A turn that starts from an earlier checkpoint: a user message edited, or an assistant reply regenerated. */
export type BranchRequest =
  { kind: "edit"; messageId: string; text: string } | { kind: "regenerate"; messageId: string };

export type ExportFormat = "markdown" | "json";

/** The chat graph's settings (read per turn), and what the service adds around the store. */
export interface ThreadServiceOptions extends ChatGraphSettings {
  /** Where this store's search index lives (a file beside the store); memory only without it. */
  searchFile?: string;
  /** Checked before each turn: an error refuses the turn (`status: "rejected"`, nothing stored). */
  refuseTurn?(): Error | undefined;
}

export class ThreadService {
  private readonly turns: Turns;
  private readonly graphs: TurnGraphs;
  private readonly branches: ThreadBranches;
  private readonly index: ThreadSearchIndex;
  /** Reads and rewires the checkpoint tree without a model (no key or settings needed). */
  private readonly historyGraph: ChatGraph;
  /** Running tool calls, so Stop stores what each produced. */
  private readonly toolRuns = new ToolRuns();
  /** Threads probed and found without forks (forks made here mark the catalog). */
  private readonly unbranched = new Set<string>();

  constructor(private readonly options: ThreadServiceOptions) {
    const saver = options.checkpointer;
    this.graphs = new TurnGraphs(options, this.toolRuns);
    this.turns = new Turns(() => this.graphs.current(), {
      afterStop: (threadId) => this.answerStoppedCalls(threadId),
      afterRun: (threadId) => this.toolRuns.forget(threadId),
    });
    this.historyGraph = createHistoryGraph(saver);
    this.branches = new ThreadBranches(saver, this.history);
    this.index = new ThreadSearchIndex(saver, {
      file: options.searchFile,
      // A thread with branches is indexed whole (every branch), so hits on branches not shown are found too.
      readMessages: async (info) => {
        if (catalogOf(info).hasBranches)
          return (await this.branches.leafTree(info.threadId)).nodes.map((node) => node.message);
        return (await this.branches.getBranchView(info.threadId)).messages.map((entry) => entry.message);
      },
    });
  }

  /** The history graph as branches and export/import use it (the part of a compiled graph they need). */
  private get history(): HistoryGraph {
    return this.historyGraph as unknown as HistoryGraph;
  }

  private config(threadId: string): ThreadConfig {
    return { configurable: { thread_id: threadId } };
  }

  // The catalog.

  /** The store's threads, most recently updated first. */
  async list(): Promise<ThreadSummary[]> {
    return (await this.options.checkpointer.listThreads()).map(summaryOf);
  }

  async create(): Promise<string> {
    const threadId = uuid4();
    await this.options.checkpointer.setThreadInfo(threadId, { metadata: { [CATALOG_KEYS.messageCount]: 0 } });
    return threadId;
  }

  async rename(threadId: string, title: string): Promise<void> {
    await this.options.checkpointer.setThreadInfo(threadId, {
      title: title.trim(),
      metadata: { [CATALOG_KEYS.titleSource]: "user" },
    });
  }

  /** Stops a running turn and waits for it first, so nothing it writes brings the thread back; its text leaves the search index too. */
  async delete(threadId: string): Promise<void> {
    await this.turns.settle(threadId);
    await this.options.checkpointer.deleteThread(threadId);
    this.branches.forget(threadId);
    await this.index.remove([threadId]);
  }

  // Loading for display.

  /**
   * The thread as the chat shows it; undefined when it does not exist. "‹ 2/3 ›" positions are read only for a
   * thread the catalog marks as branched (or with `probeForks`): the probe for unmarked forks reads every
   * checkpoint, so the open path leaves it to `probeBranches` after the paint.
   */
  async load(threadId: string, options: { probeForks?: boolean } = {}): Promise<LoadedThread | undefined> {
    const saver = this.options.checkpointer;
    const source = { saver, historyGraph: this.historyGraph };
    const [info, state] = await Promise.all([
      saver.getThreadInfo(threadId),
      readThreadState(source, threadId, this.turns.isRunning(threadId)),
    ]);
    if (!state && !info) return undefined;
    const messages = state?.messages ?? [];
    const branched = (info && catalogOf(info).hasBranches) || options.probeForks === true;
    const siblings = messages.length && branched ? await this.siblings(threadId).catch(() => undefined) : undefined;
    return {
      title: info?.title,
      messages,
      interrupted: state?.interrupted ?? false,
      error: state?.error,
      siblings,
      ...(state?.pendingApprovals?.length ? { pendingApprovals: state.pendingApprovals } : {}),
    };
  }

  /**
   * Whether a thread loaded without sibling positions has forks after all (a Retry that regenerated a reply
   * forks without marking the catalog); a positive answer is remembered in the catalog by the probe.
   */
  async probeBranches(threadId: string): Promise<boolean> {
    if (this.unbranched.has(threadId)) return false;
    const info = await this.options.checkpointer.getThreadInfo(threadId);
    if (!info || catalogOf(info).hasBranches) return false; // marked threads already load their siblings
    const found = Object.keys(await this.siblings(threadId)).length > 0;
    if (!found) this.unbranched.add(threadId);
    return found;
  }

  /** Sibling positions of the shown branch's messages that have other versions. */
  async siblings(threadId: string): Promise<SiblingMap> {
    const out: SiblingMap = Object.create(null);
    // Most threads never forked: answer without reading the thread at all.
    if (!(await this.branches.isBranched(threadId))) return out;
    for (const { message, siblings } of (await this.branches.getBranchView(threadId)).messages) {
      if (siblings.count > 1) out[message.id] = { index: siblings.index, count: siblings.count };
    }
    return out;
  }

  // Turns.

  isRunning(threadId: string): boolean {
    return this.turns.isRunning(threadId);
  }

  /** Cancels the running turn of the thread; true when there was one. */
  stop(threadId: string): boolean {
    return this.turns.stop(threadId);
  }

  // Approvals.

  /** The approvals the thread waits for (its `tools` tasks' interrupts), in tool-call order; [] while a turn runs. */
  async pendingApprovals(threadId: string): Promise<PendingApproval[]> {
    if (this.turns.isRunning(threadId)) return [];
    return readPendingApprovals(this.historyGraph, threadId);
  }

  /**
   * Answers one pending approval and resumes the turn (by interrupt id: with two pending, answering one runs
   * that call and pauses again on the other). The result is "awaiting_approval" while others still wait.
   */
  async answerApproval(
    threadId: string,
    interruptId: string,
    decision: ToolApprovalDecision,
    options: TurnOptions = {},
  ): Promise<TurnResult> {
    const answer = checkDecision(decision);
    const refused = this.refused([]);
    if (refused) return refused;
    return this.turns.run(threadId, options, [], async () => {
      const pending = await readPendingApprovals(this.historyGraph, threadId);
      if (!pending.some((p) => p.interruptId === interruptId)) throw new ApprovalNotPendingError(threadId, interruptId);
      return { input: new Command({ resume: { [interruptId]: answer } }), config: this.config(threadId) };
    });
  }

  /** Sends one user message and runs the turn to the end (tool calls included). */
  async sendMessage(
    threadId: string,
    content: string | Message["content"],
    options: TurnOptions = {},
  ): Promise<TurnResult> {
    const user: Message = { id: uuid4(), role: "user", content, metadata: { createdAt: new Date().toISOString() } };
    return (
      this.refused([user]) ??
      this.turns.run(threadId, options, [user], async (graph) => {
        await closeBeforeNewInput(graph, threadId);
        return {
          input: { messages: [user] },
          config: this.config(threadId),
          // The title appears in the thread list as soon as the message is stored, before the reply streams;
          // a message the thread never got must not name it.
          onInputStored: async () => {
            const title = await ensureTitle(this.options.checkpointer, threadId, [user]);
            if (title) this.turns.emit(options, { type: "title", title });
          },
        };
      })
    );
  }

  /**
   * Retries the thread's last turn: re-runs a failed or cut-off step (`invoke(null)`), or regenerates the
   * last reply by forking from the checkpoint before it (the old reply stays in the thread's history).
   */
  async retry(threadId: string, options: TurnOptions = {}): Promise<TurnResult> {
    try {
      const refused = this.refused([]);
      if (refused) return refused;
      return await this.turns.run(threadId, options, [], async (graph) => {
        const config = this.config(threadId);
        const state = await graph.getState(config);
        if (state.next.length > 0) {
          // Calls whose run died with the process may have partly run: answered as abandoned, never re-run.
          if (state.next.includes("tools") && pendingApprovalsOf(state.tasks).length === 0)
            await closeAbandonedCalls(graph, threadId);
          return { input: null, config };
        }
        const messages = (state.values as { messages?: StoredMessage[] }).messages ?? [];
        const last = messages.at(-1);
        if (!last) throw new ModelError("Nothing to retry: the thread is empty.", "INVALID_REQUEST");
        if (last.role === "user" || last.role === "tool") {
          // The failed step was discarded (e.g. the run stopped before the model answered): schedule call_model again.
          await graph.updateState(config, { messages: [] }, "tools");
          return { input: null, config };
        }
        for await (const snapshot of graph.getStateHistory(config)) {
          const before = (snapshot.values as { messages?: StoredMessage[] }).messages ?? [];
          if (snapshot.next.includes("call_model") && !before.some((m) => m.id === last.id))
            return { input: null, config: snapshot.config as ThreadConfig };
        }
        throw new ModelError("Nothing to retry: no earlier step to run again.", "INVALID_REQUEST");
      });
    } finally {
      // A regenerated reply is a fork the catalog does not mark: probe now (the thread is already read), so every
      // later load — here or after a reload — shows "‹ 2/2 ›" without probing on the open path.
      this.unbranched.delete(threadId);
      await this.siblings(threadId).catch(() => undefined);
    }
  }

  /** Edit / regenerate from an earlier checkpoint, streamed like any turn; the new branch becomes the shown one. */
  async branch(threadId: string, request: BranchRequest, options: TurnOptions = {}): Promise<TurnResult> {
    const plan = (): Promise<PlannedRun> =>
      request.kind === "edit"
        ? this.branches.planEdit(threadId, request.messageId, request.text)
        : this.branches.planRegenerate(threadId, request.messageId);
    const refused = this.refused([]);
    if (refused) return refused;
    try {
      return await this.turns.run(
        threadId,
        options,
        [],
        async () => (await plan()) as { input: { messages: Message[] } | null; config: ThreadConfig },
      );
    } finally {
      // Even a failed or stopped run may have written the new branch: keep the catalog on the shown one.
      await this.branches.afterRun(threadId).catch(() => undefined);
    }
  }

  /** After Stop: each tool call the run left open gets its "stopped" result (a command's output so far included). */
  private async answerStoppedCalls(threadId: string): Promise<StoredMessage[]> {
    const ran = await this.toolRuns.drain(threadId);
    return (await closeStoppedCalls(await this.graphs.current(), threadId, ran)) as StoredMessage[];
  }

  /** A turn the settings refuse: "rejected" before anything is sent or stored, with its input back. */
  private refused(unsent: Message[]): TurnResult | undefined {
    const error = this.options.refuseTurn?.();
    return error ? { status: "rejected", messages: [], error, unsent } : undefined;
  }

  // Branches, search, export and import.

  /** Shows the `index`-th version of a message (and that branch's continuation); the store's head, so it survives reload. */
  async switchBranch(threadId: string, messageId: string, index: number): Promise<void> {
    await this.branches.switchBranch(threadId, messageId, index);
  }

  /** Makes sure a message (a search hit on another branch) is on the shown branch. */
  async showMessage(threadId: string, messageId: string): Promise<void> {
    await this.branches.showMessage(threadId, messageId);
  }

  /** A new thread holding the shown history up to `messageId`; returns its id. */
  fork(threadId: string, messageId: string): Promise<string> {
    return this.branches.forkToNewThread(threadId, messageId, uuid4());
  }

  exportThread(threadId: string, format: ExportFormat): Promise<string> {
    const context = { saver: this.options.checkpointer, graph: this.history };
    return format === "json" ? exportThreadJson(context, threadId) : exportThreadMarkdown(context, threadId);
  }

  /** Validates, then creates a new thread (new id); throws ThreadImportError and creates nothing on bad input. */
  importThread(text: string): Promise<{ threadId: string; title: string | null; messageCount: number }> {
    return importThreadJson({ saver: this.options.checkpointer, graph: this.history }, text, uuid4());
  }

  search(query: string, options?: SearchOptions): Promise<SearchResult> {
    return this.index.search(query, options);
  }
}
