/**
 * One turn at a time per thread: the run slot (the one place that knows a turn is running), Stop, and the
 * graph stream read into `ChatEvent`s — the one event type that reaches the chat view.
 *
 * The contract of a turn's input (a new message, an edit):
 * - The user's message is announced (`{ type: "message" }`, ids final) only once the turn's input checkpoint
 *   is stored (durability "sync": on disk). Nothing is announced for a message that was not stored.
 * - `status: "rejected"` means NOTHING of the turn was stored: another window runs a turn on this thread
 *   (`error` is a `ThreadBusyError`, code THREAD_BUSY), the store failed before the input was written
 *   (disk full, EACCES: `error` is the store's error), the settings refuse turns, or the turn was aborted
 *   before it started. `unsent` holds the messages that were not stored — put their text back into the
 *   draft; Retry would not re-send them (the thread does not hold them).
 * - `status: "failed"` / "cancelled" mean the input WAS stored (announced) and the reply failed / was stopped;
 *   Retry re-runs it. A stopped reply is kept, marked interrupted.
 * - Turns without input (Retry) are "rejected" with a ThreadBusyError when another window holds the thread.
 */
import type { Message, StoredMessage } from "../graph/messages";
import { ThreadBusyError } from "../checkpoint/errors";
import { ModelCancelledError, ModelError } from "../model/errors";
import type { ChatGraph } from "./chatGraph";
import { isCommand, type Command } from "../graph/command";
import type { Interrupt } from "../graph/types";
import { pendingApprovalsOf } from "./tools/approvals";
import type { PendingApproval } from "./tools/types";

export type ChatEvent =
  /** A streamed piece of an assistant reply not yet stored. */
  | { type: "token"; messageId: string; text: string }
  /** A streamed piece of a tool call (not shown while streaming; the stored reply carries the calls). */
  | { type: "tool_call"; messageId: string; index: number; id?: string; name?: string; argsDelta?: string }
  /** A message stored by the turn (the user's input, a finished assistant reply, a tool result), ids final. */
  | { type: "message"; message: StoredMessage }
  /** The thread got its title from this (first) message. */
  | { type: "title"; title: string }
  /** A piece of output of a running tool call (run_command), before its result is stored. */
  | { type: "tool_output"; toolCallId: string; text: string }
  /** The turn paused: these tool calls wait for the user's approval (stored in the checkpoint). */
  | { type: "approvals"; approvals: PendingApproval[] };

export interface TurnOptions {
  signal?: AbortSignal;
  onEvent?: (event: ChatEvent) => void;
  /** Shorthand for the `token` events only. */
  onToken?: (text: string, messageId: string) => void;
}

export interface TurnResult {
  /**
   * "rejected": nothing of this turn was stored (see above); restore `unsent` as the draft.
   * "awaiting_approval": the turn paused on changing tool calls (`approvals`); answer them to resume.
   */
  status: "completed" | "cancelled" | "failed" | "rejected" | "awaiting_approval";
  /** Messages this turn stored (assistant replies, tool results; a cancelled reply marked interrupted). */
  messages: StoredMessage[];
  error?: Error;
  /** Only with "rejected": the turn's input messages, which were NOT stored (for a new message: the user's). */
  unsent?: Message[];
  /** Only with "awaiting_approval": what waits, in tool-call order. */
  approvals?: PendingApproval[];
}

export type ThreadConfig = { configurable: { thread_id: string; checkpoint_id?: string } };

/** What a turn runs: its input (null = resume from `config`) and, for a new message, what follows its storing. */
export interface PreparedTurn {
  /** New messages, null (resume / retry), or a `Command({ resume })` answering approvals. */
  input: { messages: Message[] } | Command | null;
  config: ThreadConfig;
  onInputStored?: () => Promise<void>;
}

/** What the thread service adds around a run. */
export interface TurnHooks {
  /** After Stop: answers what the run left open (returns the stored messages). */
  afterStop?(threadId: string): Promise<StoredMessage[]>;
  /** After every run, however it ended. */
  afterRun?(threadId: string): void;
}

export class Turns {
  private readonly running = new Map<string, { controller: AbortController; settled: Promise<void> }>();

  constructor(
    private readonly graph: () => Promise<ChatGraph>,
    private readonly hooks: TurnHooks = {},
  ) {}

  isRunning(threadId: string): boolean {
    return this.running.has(threadId);
  }

  /** Cancels the running turn of the thread; true when there was one. */
  stop(threadId: string): boolean {
    const run = this.running.get(threadId);
    run?.controller.abort(new ModelCancelledError());
    return !!run;
  }

  /** Stops the thread's turn, if any, and waits until it has stopped writing. */
  async settle(threadId: string): Promise<void> {
    const run = this.running.get(threadId);
    this.stop(threadId);
    await run?.settled;
  }

  /** Takes the thread's run slot synchronously (so isRunning is true at once), then prepares and streams the turn. */
  async run(
    threadId: string,
    options: TurnOptions,
    /** The turn's input when known up front: "rejected" with it if the turn fails before even preparing (no model…). */
    pending: Message[],
    prepare: (graph: ChatGraph) => Promise<PreparedTurn>,
  ): Promise<TurnResult> {
    if (this.running.has(threadId)) throw new ThreadBusyError(threadId);
    const controller = new AbortController();
    let settle!: () => void;
    this.running.set(threadId, { controller, settled: new Promise<void>((resolve) => (settle = resolve)) });
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const stored: StoredMessage[] = [];
    /** Replies streamed and not yet reported as stored: a stopped one is looked up among the kept messages. */
    const partials = new Set<string>();
    const emit = (event: ChatEvent) => this.emit(options, event);
    let unsent: Message[] = pending;
    try {
      const graph = await this.graph();
      const prepared = await prepare(graph);
      const { input, config } = prepared;
      unsent = input && !isCommand(input) ? input.messages : [];
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
      const streamMode = unsent.length ? ["messages", "updates", "custom", "debug"] : ["messages", "updates", "custom"];
      const paused = new Map<string, PendingApproval>();
      const stream = await graph.stream(input, {
        ...config,
        signal,
        durability: "sync",
        streamMode: streamMode as ["messages", "updates"],
      });
      for await (const item of stream as AsyncIterable<[string, unknown]>) {
        const [mode, payload] = item;
        if (mode === "debug") {
          const chunk = payload as { type?: string; payload?: { metadata?: { source?: string } } };
          if (unsent.length && chunk.type === "checkpoint" && chunk.payload?.metadata?.source === "input")
            await announce();
          continue;
        }
        if (mode === "custom") {
          const chunk = payload as { type?: unknown; toolCallId?: unknown; text?: unknown };
          if (chunk?.type === "tool_output" && typeof chunk.toolCallId === "string" && typeof chunk.text === "string")
            emit({ type: "tool_output", toolCallId: chunk.toolCallId, text: chunk.text });
          continue;
        }
        if (mode === "messages") {
          const [chunk] = payload as [
            {
              id: string;
              content?: unknown;
              metadata?: unknown;
              tool_call_chunk?: { index: number; id?: string; name?: string; args?: string };
            },
            unknown,
          ];
          // Whole messages (tool results) also arrive in this mode; they are reported from "updates".
          if (chunk.metadata !== undefined || typeof chunk.content !== "string") continue;
          if (chunk.tool_call_chunk) {
            const t = chunk.tool_call_chunk;
            emit({ type: "tool_call", messageId: chunk.id, index: t.index, id: t.id, name: t.name, argsDelta: t.args });
          } else if (chunk.content) {
            partials.add(chunk.id);
            emit({ type: "token", messageId: chunk.id, text: chunk.content });
          }
        } else if (mode === "updates") {
          const found = (payload as { __interrupt__?: Interrupt[] }).__interrupt__;
          for (const approval of pendingApprovalsOf([{ interrupts: found ?? [] }]))
            paused.set(approval.interruptId, approval);
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
      if (signal.aborted) {
        await this.reportStopped(threadId, stored, emit);
        return { status: "cancelled", messages: stored, error: new ModelCancelledError() };
      }
      if (paused.size) {
        // The stored state is authoritative (and in tool-call order; the stream reports in finishing order).
        const state = await graph.getState({ configurable: { thread_id: threadId } });
        const approvals = pendingApprovalsOf(state.tasks);
        emit({ type: "approvals", approvals });
        return { status: "awaiting_approval", messages: stored, approvals };
      }
      return { status: "completed", messages: stored };
    } catch (error) {
      // Nothing of the turn reached the store (or another window holds the thread): say so, with the text back.
      if (unsent.length || (error instanceof ThreadBusyError && stored.length === 0)) {
        return {
          status: "rejected",
          messages: [],
          error: error instanceof Error ? error : new Error(String(error)),
          unsent,
        };
      }
      if (signal.aborted || (error instanceof ModelError && error.code === "CANCELLED")) {
        await this.reportKept(threadId, partials, stored, emit);
        await this.reportStopped(threadId, stored, emit);
        return {
          status: "cancelled",
          messages: stored,
          error: error instanceof ModelError ? error : new ModelCancelledError(error),
        };
      }
      return { status: "failed", messages: stored, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      this.hooks.afterRun?.(threadId);
      this.running.delete(threadId);
      settle();
    }
  }

  /** Stores and reports what Stop left to answer (tool calls cut mid-run get their "stopped" results). */
  private async reportStopped(threadId: string, stored: StoredMessage[], emit: (e: ChatEvent) => void): Promise<void> {
    const answered = (await this.hooks.afterStop?.(threadId).catch(() => [])) ?? [];
    for (const message of answered) {
      stored.push(message);
      emit({ type: "message", message });
    }
  }

  /** Hands an event to the caller; a failing UI callback must not break the run. */
  emit(options: TurnOptions, event: ChatEvent): void {
    try {
      options.onEvent?.(event);
      if (event.type === "token") options.onToken?.(event.text, event.messageId);
    } catch {
      // Ignored: the turn goes on and its messages are stored.
    }
  }

  /** Reports the cancelled reply the graph kept (partialReplies.ts stores it before the stream reports the cancel). */
  private async reportKept(
    threadId: string,
    partials: ReadonlySet<string>,
    stored: StoredMessage[],
    emit: (e: ChatEvent) => void,
  ): Promise<void> {
    if (partials.size === 0) return;
    const graph = await this.graph();
    const config = { configurable: { thread_id: threadId } };
    const messages = ((await graph.getState(config)).values as { messages?: StoredMessage[] }).messages ?? [];
    for (const message of messages) {
      if (!partials.has(message.id)) continue;
      stored.push(message);
      emit({ type: "message", message });
    }
  }
}
