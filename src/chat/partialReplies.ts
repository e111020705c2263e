/**
 * Stop's partial reply, kept in one place. `call_model` reports the reply it was streaming when its run was
 * cancelled (`begin` → settle); the runtime aborts a run at once and drops the aborted step's writes (so the
 * thread stays resumable), so that return value never reaches the store. After the run, `keep` stores the
 * partial, marked interrupted, with `updateState(…, "call_model")` — whose edges then end the turn — and counts
 * it in the catalog. `keepCancelledReplies` does this for the graph's `invoke` and `stream` alike (an abort, a
 * cancelled model call, or breaking out of the stream); turn runners only read what was kept.
 */
import type { Message, StoredMessage } from "../graph/messages";
import type { RunnableConfig } from "../graph/types";
import type { BaseCheckpointSaver } from "../checkpoint/base";
import { ModelError } from "../model/errors";
import { updateCatalog } from "./catalog";

interface GraphLike {
  invoke(input: any, config?: any): Promise<any>;
  stream(input: any, config?: any): Promise<AsyncIterableIterator<any>>;
  getState(config: RunnableConfig): Promise<{ values: unknown }>;
  updateState(config: RunnableConfig, values: any, asNode?: string): Promise<RunnableConfig>;
}

/** A cut-off reply as stored: the id its streamed chunks carried, marked interrupted, no stop reason. */
export function interruptedMessage(partial: Message, id: string): Message {
  return { ...partial, id, metadata: { ...partial.metadata, interrupted: true, stop_reason: null } };
}

/** thread_id → the running call_model's outcome: the interrupted partial reply when it was cancelled. */
export class PartialReplies {
  private readonly inflight = new Map<string, Promise<Message | undefined>>();

  /** call_model starts streaming a reply on the thread; it settles the outcome when the model call ends. */
  begin(threadId: string): (partial: Message | undefined) => void {
    let settle!: (partial: Message | undefined) => void;
    this.inflight.set(threadId, new Promise<Message | undefined>((resolve) => (settle = resolve)));
    return settle;
  }

  /** The run ended without a cancel: nothing to keep. */
  forget(threadId: string): void {
    this.inflight.delete(threadId);
  }

  /** Stores the cancelled reply of the thread's last run, once (a partial already stored, by id, is left alone). */
  async keep(graph: GraphLike, checkpointer: BaseCheckpointSaver | undefined, threadId: string): Promise<void> {
    const pending = this.inflight.get(threadId);
    if (!pending) return;
    const partial = await pending;
    if (this.inflight.get(threadId) === pending) this.inflight.delete(threadId);
    if (!partial?.id) return;
    const thread = { configurable: { thread_id: threadId } };
    const messages = ((await graph.getState(thread)).values as { messages?: StoredMessage[] }).messages ?? [];
    if (messages.some((m) => m.id === partial.id)) return;
    await graph.updateState(thread, { messages: [partial] }, "call_model");
    await updateCatalog(checkpointer, threadId, messages.length + 1, partial);
  }
}

function isCancel(error: unknown): boolean {
  return error instanceof ModelError && error.code === "CANCELLED";
}

/** Makes the graph's `invoke` and `stream` keep a cancelled run's partial reply before they report the cancel. */
export function keepCancelledReplies<G extends GraphLike>(
  graph: G,
  partials: PartialReplies,
  checkpointer?: BaseCheckpointSaver,
): G {
  const threadOf = (config: RunnableConfig | undefined): string | undefined => {
    const threadId = config?.configurable?.thread_id;
    return typeof threadId === "string" ? threadId : undefined;
  };
  const keep = async (config: RunnableConfig | undefined): Promise<void> => {
    const threadId = threadOf(config);
    if (threadId) await partials.keep(graph, checkpointer, threadId);
  };
  const forget = (config: RunnableConfig | undefined) => {
    const threadId = threadOf(config);
    if (threadId) partials.forget(threadId);
  };
  const settle = async (config: RunnableConfig | undefined, error: unknown): Promise<void> => {
    if (config?.signal?.aborted || isCancel(error)) await keep(config);
    else forget(config);
  };

  const invoke = graph.invoke.bind(graph);
  graph.invoke = async (input: unknown, config?: RunnableConfig) => {
    try {
      const result = await invoke(input, config);
      forget(config);
      return result;
    } catch (error) {
      await settle(config, error);
      throw error;
    }
  };

  const stream = graph.stream.bind(graph);
  graph.stream = async (input: unknown, config?: RunnableConfig) => {
    const inner = await stream(input, config);
    const wrapped: AsyncIterableIterator<unknown> = {
      [Symbol.asyncIterator]() {
        return wrapped;
      },
      async next() {
        try {
          const result = await inner.next();
          if (result.done) forget(config);
          return result;
        } catch (error) {
          await settle(config, error);
          throw error;
        }
      },
      // Breaking out of the loop cancels the run: a partial reply is kept as for Stop.
      async return(value?: unknown) {
        await inner.return?.(value);
        await keep(config);
        return { value: undefined, done: true };
      },
    };
    return wrapped;
  };
  return graph;
}
