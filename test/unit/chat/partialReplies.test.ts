/**
 * Stop's partial reply has one owner (partialReplies.ts): whatever ended the model call — a cancel with the
 * model's partial, a cancel without one, or another failure while the run was stopped — what the user saw is
 * stored once, marked interrupted, counted in the catalog, and reported by the turn.
 */
import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { createChatGraph } from "../../../src/chat/chatGraph";
import { CATALOG_KEYS } from "../../../src/chat/catalog";
import { ThreadService } from "../../../src/chat/threadService";
import type { ChatEvent } from "../../../src/chat/turns";
import type { StoredMessage } from "../../../src/graph/messages";
import type { ChatModel, ModelEvent } from "../../../src/model/types";
import { ModelCancelledError, ModelError } from "../../../src/model/errors";

/** Streams two words, then waits for the abort and ends as `failure` says. */
function stoppableModel(failure: (signal: AbortSignal) => Error): ChatModel & { started: Promise<void> } {
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  return {
    model: "stoppable",
    contextWindow: 100_000,
    maxTokens: 1000,
    started: ready,
    async *stream(_messages, options): AsyncIterable<ModelEvent> {
      yield { type: "text", text: "half " };
      yield { type: "text", text: "said" };
      started();
      const signal = options?.signal;
      await new Promise<void>((resolve) => {
        if (signal?.aborted) resolve();
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      throw failure(signal!);
    },
  };
}

const failures: [string, (signal: AbortSignal) => Error][] = [
  ["a cancel without the model's partial", () => new ModelCancelledError()],
  ["a network failure while stopped", () => new ModelError("Connection reset.", "CONNECTION_FAILED")],
  ["a plain AbortError", (signal) => (signal.reason instanceof Error ? signal.reason : new Error("aborted"))],
];

describe("PartialReplies: Stop keeps what the user saw, stored once", () => {
  for (const [name, failure] of failures) {
    it(`ThreadService.stop after ${name}: the streamed text is stored and reported, interrupted`, async () => {
      const checkpointer = new MemorySaver();
      const model = stoppableModel(failure);
      const threads = new ThreadService({ checkpointer, model });
      const threadId = await threads.create();
      const events: ChatEvent[] = [];
      const pending = threads.sendMessage(threadId, "hello", { onEvent: (e) => events.push(e) });
      await model.started;
      threads.stop(threadId);
      const result = await pending;
      expect(result.status).toBe("cancelled");
      expect(result.messages).toHaveLength(1);
      expect(result.messages[0]).toMatchObject({
        role: "assistant",
        content: "half said",
        metadata: { interrupted: true, stop_reason: null },
      });
      const tokenIds = new Set(
        events.filter((e) => e.type === "token").map((e) => (e as { messageId: string }).messageId),
      );
      expect([...tokenIds]).toEqual([result.messages[0]!.id]);
      expect(events.at(-1)).toEqual({ type: "message", message: result.messages[0] });
      const loaded = await threads.load(threadId);
      expect(loaded?.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
      expect(loaded?.messages.filter((m) => m.id === result.messages[0]!.id)).toHaveLength(1);
      expect(loaded?.interrupted).toBe(true);
      const info = await checkpointer.getThreadInfo(threadId);
      expect(info?.metadata?.[CATALOG_KEYS.messageCount]).toBe(2);
    });
  }

  it("graph.invoke aborted on a cancel without the model's partial keeps what was streamed, once", async () => {
    const checkpointer = new MemorySaver();
    const model = stoppableModel(() => new ModelCancelledError());
    const graph = createChatGraph({ model, checkpointer });
    const config = { configurable: { thread_id: "g" } };
    const controller = new AbortController();
    const pending = graph.invoke(
      { messages: [{ role: "user", content: "hi" }] },
      { ...config, signal: controller.signal },
    );
    await model.started;
    controller.abort(new ModelCancelledError());
    await expect(pending).rejects.toBeTruthy();
    const messages = ((await graph.getState(config)).values as { messages: StoredMessage[] }).messages;
    expect(messages.map((m) => [m.role, m.content, m.metadata?.interrupted])).toEqual([
      ["user", "hi", undefined],
      ["assistant", "half said", true],
    ]);
  });
});
