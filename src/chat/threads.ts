/**
 * ChatThreads — the thread service the extension calls (no `vscode` import). One instance per store.
 *
 *   const threads = new ChatThreads({ checkpointer, model: () => currentModel(), systemPrompt, context, tools });
 *   const info = await threads.createThread();                       // catalog entry, id = uuid
 *   const result = await threads.sendMessage(info.threadId, "hi! I'm bob", {
 *     signal,                                                        // optional; stop(threadId) does the same
 *     onToken: (text, messageId) => …,                               // optional shorthand for token events
 *     onEvent: (e) => …,   // { type: "token", messageId, text } | { type: "tool_call", messageId, index, id?, name?, argsDelta? }
 *                          // | { type: "message", message }   (each message stored by this turn, in order,
 *                          //    starting with the user's own message; ids are final) | { type: "title", title } (first message)
 *   });
 *   // result: { status: "completed" | "cancelled" | "failed" | "rejected", messages (this turn's stored messages), error?, unsent? }
 *   await threads.retry(threadId, { onEvent });   // re-runs a failed turn, or regenerates the last reply
 *   threads.stop(threadId);                        // cancels the running turn; the partial reply is kept (metadata.interrupted)
 *   await threads.getMessages(threadId);           // StoredMessage[] (the truthful stored thread)
 *   await threads.getStatus(threadId);             // { running, canRetry, error? }  (error: the failed turn's { name, message, code? })
 *   threads.listThreads() / renameThread(id, title) / deleteThread(id) / isRunning(id)
 *
 * Never throws for model failures: they come back as `status: "failed"` with a `ModelError` (stable `code`,
 * user-facing `message`, `apiMessage`, `retryAfterMs`). Throws `ThreadBusyError` when the thread already
 * runs a turn in THIS instance. The model is resolved per turn (a function may return a new one after a settings change).
 *
 * The contract of a turn's input (sendMessage, runPlanned with messages):
 * - The user's message is announced (`{ type: "message" }`, ids final) only once the turn's input checkpoint
 *   is stored (durability "sync": on disk). Nothing is announced for a message that was not stored.
 * - `status: "rejected"` means NOTHING of the turn was stored: another window runs a turn on this thread
 *   (`error` is a `ThreadBusyError`, code THREAD_BUSY), or the store failed before the input was written
 *   (disk full, EACCES: `error` is the store's error), or the turn was aborted before it started.
 *   `unsent` holds the messages that were not stored (for sendMessage: the one user message) — put its
 *   content back into the draft; `messages` is empty. Retry would not re-send it (the thread does not hold it).
 * - `status: "failed"` / "cancelled" mean the input WAS stored (announced) and the reply failed / was stopped;
 *   `retry` re-runs it.
 * - Turns without input (retry) are "rejected" with a ThreadBusyError when another window holds the thread.
 */
import type { Message, StoredMessage } from "../graph/messages";
import type { BaseCheckpointSaver } from "../checkpoint/base";
import { ThreadBusyError } from "../checkpoint/errors";
import type { ThreadInfo } from "../checkpoint/types";
import type { ChatModel } from "../model/types";
import { MODEL_ERROR_CODES, ModelCancelledError, ModelError } from "../model/errors";
import { checkTitle } from "../checkpoint/limits";
import type { ContextOptions } from "./contextWindow";
import { createChatGraph } from "./chatGraph";
import type { ChatGraph } from "./chatGraph";
import { ensureTitle, interruptedMessage, updateCatalog } from "./callModel";
import type { ChatTool } from "./tools";
import { v4 as uuid4 } from "uuid";

export type ChatEvent =
  | { type: "token"; messageId: string; text: string }
  | { type: "tool_call"; messageId: string; index: number; id?: string; name?: string; argsDelta?: string }
  | { type: "message"; message: StoredMessage }
  /** The thread got its title from this (first) message. */
  | { type: "title"; title: string };

export interface TurnOptions {
  signal?: AbortSignal;
  onEvent?: (event: ChatEvent) => void;
  /** Shorthand for the `token` events only. */
  onToken?: (text: string, messageId: string) => void;
}

export interface TurnResult {
  /** "rejected": nothing of this turn was stored (see the contract at the top); restore `unsent` as the draft. */
  status: "completed" | "cancelled" | "failed" | "rejected";
  /** Messages this turn stored (assistant replies, tool results; a cancelled reply marked interrupted). */
  messages: StoredMessage[];
  error?: Error;
  /** Only with "rejected": the turn's input messages, which were NOT stored (for sendMessage: the user's message). */
  unsent?: Message[];
}

export interface ThreadStatus {
  running: boolean;
  /** The last turn failed (or was cut off) and `retry` would re-run it; also true when the last reply can be regenerated. */
  canRetry: boolean;
  /** The recorded failure of the pending turn, if any (`code` when it was a ModelError; survives reload). */
  error?: { name: string; message: string; code?: string };
}

export interface ChatThreadsOptions {
  checkpointer: BaseCheckpointSaver;
  model: ChatModel | (() => ChatModel | Promise<ChatModel>);
  systemPrompt?: string | (() => string | undefined);
  context?: ContextOptions;
  tools?: readonly ChatTool[];
}

type Config = { configurable: { thread_id: string; checkpoint_id?: string } };

export class ChatThreads {
  private readonly running = new Map<string, { controller: AbortController; settled: Promise<void> }>();
  private cached?: { model: ChatModel; system?: string; graph: ChatGraph };

  constructor(private readonly options: ChatThreadsOptions) {}

  private async graph(): Promise<ChatGraph> {
    const model = typeof this.options.model === "function" ? await this.options.model() : this.options.model;
    const sp = this.options.systemPrompt;
    const system = typeof sp === "function" ? sp() : sp;
    if (this.cached && this.cached.model === model && this.cached.system === system) return this.cached.graph;
    const graph = createChatGraph({ model, checkpointer: this.options.checkpointer, systemPrompt: system, context: this.options.context, tools: this.options.tools });
    this.cached = { model, system, graph };
    return graph;
  }

  private config(threadId: string): Config {
    return { configurable: { thread_id: threadId } };
  }

  isRunning(threadId: string): boolean {
    return this.running.has(threadId);
  }

  /** Cancels the running turn of the thread; true when there was one. */
  stop(threadId: string): boolean {
    const run = this.running.get(threadId);
    run?.controller.abort(new ModelCancelledError());
    return !!run;
  }

  async createThread(title?: string): Promise<ThreadInfo> {
    return this.options.checkpointer.setThreadInfo(uuid4(), title ? { title } : { metadata: { messageCount: 0 } });
  }

  listThreads(options?: { limit?: number }): Promise<ThreadInfo[]> {
    return this.options.checkpointer.listThreads(options);
  }

  /** Throws LimitExceededError (TITLE_TOO_LONG) for a title over MAX_TITLE_CHARS, as every saver does. */
  async renameThread(threadId: string, title: string): Promise<ThreadInfo> {
    checkTitle(title.trim());
    return this.options.checkpointer.setThreadInfo(threadId, { title: title.trim(), metadata: { titleSource: "user" } });
  }

  /** Stops a running turn and waits for it to settle first, so nothing it writes can bring the thread back. */
  async deleteThread(threadId: string): Promise<void> {
    const run = this.running.get(threadId);
    this.stop(threadId);
    await run?.settled;
    await this.options.checkpointer.deleteThread(threadId);
  }

  async getMessages(threadId: string): Promise<StoredMessage[]> {
    const state = await (await this.graph()).getState(this.config(threadId));
    return ((state.values as { messages?: StoredMessage[] }).messages ?? []).slice();
  }

  async getStatus(threadId: string): Promise<ThreadStatus> {
    const state = await (await this.graph()).getState(this.config(threadId));
    const failed = state.tasks.find((t) => t.error);
    const messages = (state.values as { messages?: Message[] }).messages ?? [];
    return {
      running: this.isRunning(threadId),
      // Not while a turn runs: a Retry then would be refused (or regenerate a reply that is still being written).
      canRetry: !this.isRunning(threadId) && (state.next.length > 0 || messages.length > 0),
      ...(failed?.error ? { error: { name: failed.error.name, message: failed.error.message, code: MODEL_ERROR_CODES[failed.error.name] } } : {}),
    };
  }

  /** Sends one user message and runs the turn to the end (tool calls included). */
  sendMessage(threadId: string, content: string | Message["content"], options: TurnOptions = {}): Promise<TurnResult> {
    const user: Message = { id: uuid4(), role: "user", content, metadata: { createdAt: new Date().toISOString() } };
    return this.run(threadId, options, [user], async () => ({
      input: { messages: [user] },
      config: this.config(threadId),
      // The title appears in the thread list as soon as the message is stored, before the reply streams;
      // a message the thread never got must not name it.
      onInputStored: async () => {
        const title = await ensureTitle(this.options.checkpointer, threadId, [user]);
        if (title) safeEmit(options, { type: "title", title });
      },
    }));
  }

  /**
   * Retries the thread's last turn: re-runs a failed or cut-off step (`invoke(null)`), or regenerates the
   * last reply by forking from the checkpoint before it (the old reply stays in the thread's history).
   */
  retry(threadId: string, options: TurnOptions = {}): Promise<TurnResult> {
    return this.run(threadId, options, [], async (graph) => {
      const config = this.config(threadId);
      const state = await graph.getState(config);
      if (state.next.length > 0) return { input: null, config };
      const messages = (state.values as { messages?: StoredMessage[] }).messages ?? [];
      const last = messages.at(-1);
      if (!last) throw new ModelError("Nothing to retry: the thread is empty.", "invalid_request");
      if (last.role === "user" || last.role === "tool") {
        // The failed step was discarded (e.g. the run stopped before the model answered): schedule call_model again.
        await graph.updateState(config, { messages: [] }, "tools");
        return { input: null, config };
      }
      for await (const snapshot of graph.getStateHistory(config)) {
        const before = (snapshot.values as { messages?: StoredMessage[] }).messages ?? [];
        if (snapshot.next.includes("call_model") && !before.some((m) => m.id === last.id)) return { input: null, config: snapshot.config as Config };
      }
      throw new ModelError("Nothing to retry: no earlier step to run again.", "invalid_request");
    });
  }

  /**
   * Runs a turn planned elsewhere — edit / regenerate from an earlier checkpoint (src/chat/history/branches.ts returns
   * `{ input, config }` with `configurable.checkpoint_id`) — streamed and guarded like every other turn.
   */
  runPlanned(threadId: string, plan: () => Promise<{ input: { messages: Message[] } | null; config: Config }>, options: TurnOptions = {}): Promise<TurnResult> {
    return this.run(threadId, options, [], () => plan());
  }

  /** Takes the thread's run slot synchronously (so isRunning is true at once), then prepares and streams the turn. */
  private async run(
    threadId: string,
    options: TurnOptions,
    /** The turn's input when known up front: "rejected" with it if the turn fails before even preparing (no model…). */
    pending: Message[],
    prepare: (graph: ChatGraph) => Promise<{ input: { messages: Message[] } | null; config: Config; onInputStored?: () => Promise<void> }>,
  ): Promise<TurnResult> {
    if (this.running.has(threadId)) throw new ThreadBusyError(threadId);
    const controller = new AbortController();
    let settle!: () => void;
    this.running.set(threadId, { controller, settled: new Promise<void>((resolve) => (settle = resolve)) });
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const stored: StoredMessage[] = [];
    const partials = new Map<string, string>();
    const emit = (event: ChatEvent) => safeEmit(options, event);
    let unsent: Message[] = pending;
    try {
      const graph = await this.graph();
      const prepared = await prepare(graph);
      const { input, config } = prepared;
      unsent = input?.messages ?? [];
      const announce = async () => {
        const input = unsent;
        unsent = [];
        for (const message of input) emit({ type: "message", message: message as StoredMessage });
        try {
          await prepared.onInputStored?.();
        } catch {
          // A title that could not be stored must not fail a turn whose message is.
        }
      };
      // "debug" reports each checkpoint once it is saved (durability "sync": on disk): the user's message is
      // announced then, never before — a turn refused by the thread lock or a failing store never shows it.
      const streamMode = unsent.length ? ["messages", "updates", "debug"] : ["messages", "updates"];
      const stream = await graph.stream(input, { ...config, signal, durability: "sync", streamMode: streamMode as ["messages", "updates"] });
      for await (const item of stream as AsyncIterable<[string, unknown]>) {
        const [mode, payload] = item;
        if (mode === "debug") {
          const chunk = payload as { type?: string; payload?: { metadata?: { source?: string } } };
          if (unsent.length && chunk.type === "checkpoint" && chunk.payload?.metadata?.source === "input") await announce();
          continue;
        }
        if (mode === "messages") {
          const [chunk] = payload as [{ id: string; content?: unknown; metadata?: unknown; tool_call_chunk?: { index: number; id?: string; name?: string; args?: string } }, unknown];
          // Whole messages (tool results) also arrive in this mode; they are reported from "updates".
          if (chunk.metadata !== undefined || typeof chunk.content !== "string") continue;
          if (chunk.tool_call_chunk) {
            const t = chunk.tool_call_chunk;
            emit({ type: "tool_call", messageId: chunk.id, index: t.index, id: t.id, name: t.name, argsDelta: t.args });
          } else if (chunk.content) {
            partials.set(chunk.id, (partials.get(chunk.id) ?? "") + chunk.content);
            emit({ type: "token", messageId: chunk.id, text: chunk.content });
          }
        } else if (mode === "updates") {
          for (const update of Object.values(payload as Record<string, { messages?: StoredMessage[] } | undefined>)) {
            for (const message of update?.messages ?? []) {
              if (!message || typeof message !== "object" || !("role" in message)) continue;
              stored.push(message);
              partials.delete(message.id);
              emit({ type: "message", message });
            }
          }
        }
      }
      if (unsent.length) await announce(); // not reached with "sync" (the input checkpoint always comes first)
      if (signal.aborted) return { status: "cancelled", messages: stored, error: new ModelCancelledError() };
      return { status: "completed", messages: stored };
    } catch (error) {
      // Nothing of the turn reached the store (or another window holds the thread): say so, with the text back.
      if (unsent.length || (error instanceof ThreadBusyError && stored.length === 0)) {
        return { status: "rejected", messages: [], error: error instanceof Error ? error : new Error(String(error)), unsent };
      }
      if (signal.aborted || (error instanceof ModelError && error.code === "cancelled")) {
        await this.keepPartial(threadId, partials, stored, emit);
        return { status: "cancelled", messages: stored, error: error instanceof ModelError ? error : new ModelCancelledError(error) };
      }
      return { status: "failed", messages: stored, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      this.running.delete(threadId);
      settle();
    }
  }

  /** Reports the cancelled reply the graph kept (keepCancelled.ts); stores it itself if the graph could not. */
  private async keepPartial(threadId: string, partials: Map<string, string>, stored: StoredMessage[], emit: (e: ChatEvent) => void): Promise<void> {
    const graph = await this.graph();
    const config = this.config(threadId);
    const messages = ((await graph.getState(config)).values as { messages?: StoredMessage[] }).messages ?? [];
    for (const [id, text] of partials) {
      if (!text) continue;
      let partial = messages.find((m) => m.id === id);
      if (!partial) {
        partial = interruptedMessage({ role: "assistant", content: text, metadata: { createdAt: new Date().toISOString() } }, id) as StoredMessage;
        await graph.updateState(config, { messages: [partial] }, "call_model");
        await updateCatalog(this.options.checkpointer, threadId, messages.length + 1, partial);
      }
      stored.push(partial);
      emit({ type: "message", message: partial });
    }
  }
}

function safeEmit(options: TurnOptions, event: ChatEvent): void {
  try {
    options.onEvent?.(event);
    if (event.type === "token") options.onToken?.(event.text, event.messageId);
  } catch {
    // A UI callback must not break the run.
  }
}
