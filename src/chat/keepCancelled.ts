/**
 * Makes Stop keep the partial reply at the graph level, for `invoke` and `stream` alike. The runtime aborts a
 * run at once and drops the aborted step's writes (so the thread stays resumable), while call_model is still
 * unwinding; this wrapper waits for call_model's outcome and stores the interrupted partial with
 * `updateState(…, "call_model")`, whose edges then end the turn. Idempotent: a partial already stored (by id)
 * is left alone.
 */
import type { Message, StoredMessage } from "../graph/messages";
import type { RunnableConfig } from "../graph/types";
import type { BaseCheckpointSaver } from "../checkpoint/base";
import { updateCatalog } from "./catalog";

interface GraphLike {
  invoke(input: any, config?: any): Promise<any>;
  stream(input: any, config?: any): Promise<AsyncIterableIterator<any>>;
  getState(config: RunnableConfig): Promise<{ values: unknown }>;
  updateState(config: RunnableConfig, values: any, asNode?: string): Promise<RunnableConfig>;
}

export function keepCancelledReplies<G extends GraphLike>(
  graph: G,
  inflight: Map<string, Promise<Message | undefined>>,
  checkpointer?: BaseCheckpointSaver,
): G {
  const keep = async (config: RunnableConfig | undefined): Promise<void> => {
    const threadId = config?.configurable?.thread_id;
    if (typeof threadId !== "string") return;
    const pending = inflight.get(threadId);
    if (!pending) return;
    const partial = await pending;
    if (inflight.get(threadId) === pending) inflight.delete(threadId);
    if (!partial?.id) return;
    const thread = { configurable: { thread_id: threadId } };
    const messages = ((await graph.getState(thread)).values as { messages?: StoredMessage[] }).messages ?? [];
    if (messages.some((m) => m.id === partial.id)) return;
    await graph.updateState(thread, { messages: [partial] }, "call_model");
    await updateCatalog(checkpointer, threadId, messages.length + 1, partial);
  };
  const forget = (config: RunnableConfig | undefined) => {
    const threadId = config?.configurable?.thread_id;
    if (typeof threadId === "string") inflight.delete(threadId);
  };

  const invoke = graph.invoke.bind(graph);
  graph.invoke = async (input: unknown, config?: RunnableConfig) => {
    try {
      const result = await invoke(input, config);
      forget(config);
      return result;
    } catch (error) {
      if (config?.signal?.aborted) await keep(config);
      else forget(config);
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
          if (config?.signal?.aborted) await keep(config);
          else forget(config);
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
