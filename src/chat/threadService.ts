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
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { ChatModel, ModelEvent } from "../model/types";
import { ModelError, storedFailureCode } from "../model/errors";
import type { ContextOptions } from "./contextWindow";
import { createChatGraph, type ChatGraph } from "./chatGraph";
import { ensureTitle } from "./callModel";
import { CATALOG_KEYS, catalogOf, summaryOf, type ThreadSummary } from "./catalog";
import { ThreadBranches, type HistoryGraph, type PlannedRun } from "./history/branches";
import { exportThreadJson, exportThreadMarkdown, importThreadJson } from "./history/exportImport";
import { ThreadSearchIndex, type SearchOptions, type SearchResult } from "./history/search";
import { isInterrupted, type LoadedThread, type SiblingMap } from "./threadView";
import type { ChatTool } from "./tools";
import { Command } from "../graph/command";
import { checkDecision, pendingApprovalsOf } from "./tools/approvals";
import { ToolRuns } from "./tools/toolRuns";
import { createWorkspaceTools, toolSetKey } from "./tools/workspaceTools";
import { ApprovalNotPendingError } from "./tools/errors";
import { DEFAULT_TOOL_SETTINGS, MOVED_ON_REASON } from "./tools/types";
import { ABANDONED_TEXT, closeOpenCalls } from "./tools/openCalls";
import { rejectionText, STOPPED_TEXT, STOPPED_WAITING_TEXT } from "./tools/toolCallNode";
import type { PendingApproval, ToolApprovalDecision, ToolSettings, WorkspaceHost } from "./tools/types";
import { Turns, type ThreadConfig, type TurnOptions, type TurnResult } from "./turns";

export type { ChatEvent, TurnOptions, TurnResult } from "./turns";

/** A turn that starts from an earlier checkpoint: a user message edited, or an assistant reply regenerated. */
export type BranchRequest =
  { kind: "edit"; messageId: string; text: string } | { kind: "regenerate"; messageId: string };

export type ExportFormat = "markdown" | "json";

export interface ThreadServiceOptions {
  checkpointer: BaseCheckpointSaver;
  model: ChatModel | (() => ChatModel | Promise<ChatModel>);
  systemPrompt?: string | (() => string | undefined);
  context?: ContextOptions | (() => ContextOptions | undefined);
  tools?: readonly ChatTool[];
  /**
   * The workspace tools (read_file … run_command), read per turn: no host (or `enabled: false`) offers none;
   * an untrusted host offers only the read-only ones. Extra `tools` above are offered too.
   */
  workspace?: {
    host(): WorkspaceHost | undefined;
    settings?(): Partial<ToolSettings> | undefined;
  };
  /** Where this store's search index lives (a file beside the store); memory only without it. */
  searchFile?: string;
  /** Checked before each turn: an error refuses the turn (`status: "rejected"`, nothing stored). */
  refuseTurn?(): Error | undefined;
}

/** The model of the history graph: switching, forking, importing and exporting never call it. */
const refusingModel: ChatModel = {
  model: "none",
  contextWindow: 1,
  maxTokens: 1,
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<ModelEvent> {
    throw new Error("The history graph never calls the model; turns run through ThreadService.");
  },
};

export class ThreadService {
  private readonly turns: Turns;
  private readonly branches: ThreadBranches;
  private readonly index: ThreadSearchIndex;
  /** Reads and rewires the checkpoint tree without a model (no key or settings needed). */
  private readonly historyGraph: HistoryGraph;
  private cached?: { model: ChatModel; system?: string; context: string; tools: string; graph: ChatGraph };
  /** Running tool calls, so Stop stores what each produced. */
  private readonly toolRuns = new ToolRuns();
  /** Threads probed and found without forks (forks made here mark the catalog). */
  private readonly unbranched = new Set<string>();

  constructor(private readonly options: ThreadServiceOptions) {
    const saver = options.checkpointer;
    this.turns = new Turns(() => this.graph(), {
      afterStop: (threadId) => this.answerStoppedCalls(threadId),
      afterRun: (threadId) => this.toolRuns.forget(threadId),
    });
    this.historyGraph = createChatGraph({ model: refusingModel, checkpointer: saver }) as unknown as HistoryGraph;
    this.branches = new ThreadBranches(saver, this.historyGraph);
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

  private async graph(): Promise<ChatGraph> {
    const model = typeof this.options.model === "function" ? await this.options.model() : this.options.model;
    const { systemPrompt: sp, context: ctx } = this.options;
    const system = typeof sp === "function" ? sp() : sp;
    const contextOptions = typeof ctx === "function" ? ctx() : ctx;
    const context = JSON.stringify(contextOptions ?? null);
    const host = this.options.workspace?.host();
    const settings: ToolSettings = { ...DEFAULT_TOOL_SETTINGS, ...this.options.workspace?.settings?.() };
    const workspaceTools = host && settings.enabled ? await createWorkspaceTools(host, settings) : [];
    const tools = toolSetKey(host, settings, workspaceTools);
    const cached = this.cached;
    if (
      cached &&
      cached.model === model &&
      cached.system === system &&
      cached.context === context &&
      cached.tools === tools
    )
      return cached.graph;
    const graph = createChatGraph({
      model,
      checkpointer: this.options.checkpointer,
      systemPrompt: system,
      context: contextOptions,
      tools: [...workspaceTools, ...(this.options.tools ?? [])],
      maxRounds: settings.maxRounds,
      maxResultChars: settings.limits?.maxResultChars,
      toolRuns: this.toolRuns,
    });
    this.cached = { model, system, context, tools, graph };
    return graph;
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
    const [info, state] = await Promise.all([saver.getThreadInfo(threadId), this.readState(threadId)]);
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

  private async readState(threadId: string): Promise<Omit<LoadedThread, "title" | "siblings"> | undefined> {
    const running = this.turns.isRunning(threadId);
    // Fast path for the common case — the last turn finished: the head checkpoint's messages are the thread, and
    // reading them is one store read (~ms at 1,000 turns), where a full getState rebuilds every channel.
    const head = await this.options.checkpointer.getTuple(this.config(threadId));
    const stored = head?.checkpoint.channel_values.messages;
    if (head && Array.isArray(stored) && (head.pendingWrites?.length ?? 0) === 0 && !running) {
      const messages = stored as StoredMessage[];
      const last = messages.at(-1);
      if (last?.role === "assistant" && !last.tool_calls?.length)
        return { messages, interrupted: isInterrupted(messages, { running, failed: false }) };
    }
    // Otherwise (unanswered, failed, pending writes) the graph's state: the messages and the recorded failure.
    const state = await this.historyGraphState(threadId);
    const messages = ((state.values as { messages?: StoredMessage[] }).messages ?? []).slice();
    const failed = state.tasks.find((t) => t.error)?.error;
    if (messages.length === 0 && !failed) return undefined;
    const error =
      failed && !running ? { name: failed.name, message: failed.message, code: storedFailureCode(failed) } : undefined;
    const pendingApprovals = running ? [] : pendingApprovalsOf(state.tasks);
    // A thread that waits for an approval is paused, not interrupted.
    // Tool calls left open by a run that ended (a killed window) make it interrupted too: Retry answers them.
    const openTools = !running && state.next.includes("tools");
    const interrupted = pendingApprovals.length
      ? false
      : openTools || isInterrupted(messages, { running, failed: Boolean(failed) });
    return { messages, interrupted, error, ...(pendingApprovals.length ? { pendingApprovals } : {}) };
  }

  private historyGraphState(threadId: string) {
    return (this.historyGraph as unknown as ChatGraph).getState(this.config(threadId));
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
    return this.readApprovals(threadId);
  }

  private async readApprovals(threadId: string): Promise<PendingApproval[]> {
    return pendingApprovalsOf((await this.historyGraphState(threadId)).tasks);
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
      const pending = await this.readApprovals(threadId);
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
        await this.closeOpenCalls(graph, threadId);
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
            await closeOpenCalls(graph, threadId, {
              pending: () => ({ content: ABANDONED_TEXT, status: "abandoned" }),
            });
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

  /**
   * Before new input: calls still waiting for approval are answered as rejected ("the user moved on"), calls
   * whose run ended with the process as abandoned, so the history the model gets next stays valid.
   */
  private async closeOpenCalls(graph: ChatGraph, threadId: string): Promise<void> {
    await closeOpenCalls(graph, threadId, {
      pending: (call) => ({ content: rejectionText(call.name, { reason: MOVED_ON_REASON }), status: "rejected" }),
    });
  }

  /** After Stop: each tool call the run left open gets its "stopped" result (a command's output so far included). */
  private async answerStoppedCalls(threadId: string): Promise<StoredMessage[]> {
    const ran = await this.toolRuns.drain(threadId);
    const stored = await closeOpenCalls(await this.graph(), threadId, {
      ran,
      pending: () => ({ content: STOPPED_WAITING_TEXT, status: "stopped" }),
      other: () => ({ content: STOPPED_TEXT, status: "stopped" }),
    });
    return stored as StoredMessage[];
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
    const context = { saver: this.options.checkpointer, graph: this.historyGraph };
    return format === "json" ? exportThreadJson(context, threadId) : exportThreadMarkdown(context, threadId);
  }

  /** Validates, then creates a new thread (new id); throws ThreadImportError and creates nothing on bad input. */
  importThread(text: string): Promise<{ threadId: string; title: string | null; messageCount: number }> {
    return importThreadJson({ saver: this.options.checkpointer, graph: this.historyGraph }, text, uuid4());
  }

  search(query: string, options?: SearchOptions): Promise<SearchResult> {
    return this.index.search(query, options);
  }
}
