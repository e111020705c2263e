/**
 * ThreadService, the service the extension calls: events, cancellation that keeps the partial reply, retry
 * of failed / cancelled / stalled turns, busy threads. Real runtime, MemorySaver, real SDK → mock server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { ThreadService } from "../../../src/chat/threadService";
import type { ChatEvent } from "../../../src/chat/turns";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { ThreadBusyError } from "../../../src/checkpoint/errors";
import { startMockAnthropic } from "../../fixtures/mock-anthropic/server";
import type { MockAnthropic } from "../../fixtures/mock-anthropic/server";
import { addTool } from "../../../src/chat/tools";
import type { ChatTool } from "../../../src/chat/tools";
import { messagesOf } from "./fixtures/messagesOf";

let mock: MockAnthropic;
beforeAll(async () => {
  mock = await startMockAnthropic({ slowDelayMs: 50 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.reset();
});

function service(options: { idleTimeoutMs?: number; apiKey?: string } = {}) {
  const checkpointer = new MemorySaver();
  const model = new AnthropicChatModel({
    apiKey: options.apiKey ?? "test-key",
    baseURL: mock.url,
    model: "claude-sonnet-5-5",
    maxRetries: 0,
    idleTimeoutMs: options.idleTimeoutMs,
  });
  return { checkpointer, threads: new ThreadService({ checkpointer, model: () => model, tools: [addTool] }) };
}

const texts = (events: ChatEvent[]) =>
  events.filter((e) => e.type === "token").map((e) => (e as { text: string }).text);

describe("ThreadService", () => {
  it("sends a message: user message event, tokens in order, the stored reply, a title at once", async () => {
    const { threads, checkpointer } = service();
    const info = { threadId: await threads.create() };
    const events: ChatEvent[] = [];
    const result = await threads.sendMessage(info.threadId, "hi! I'm bob", { onEvent: (e) => events.push(e) });
    expect(result.status).toBe("completed");
    // The user's message is announced once stored, then the title (both before the reply streams).
    expect(events[0]).toMatchObject({ type: "message", message: { role: "user", content: "hi! I'm bob" } });
    expect(events[1]).toEqual({ type: "title", title: "hi! I'm bob" });
    expect(texts(events).join("")).toBe("Hello bob! Nice to meet you. How can I help you today?");
    const last = events.at(-1) as { type: "message"; message: { id: string; role: string } };
    expect(last).toMatchObject({ type: "message", message: { role: "assistant" } });
    expect(
      events.filter((e) => e.type === "token").every((e) => (e as { messageId: string }).messageId === last.message.id),
    ).toBe(true);
    expect(result.messages.map((m) => m.role)).toEqual(["assistant"]);
    const stored = await messagesOf(threads, info.threadId);
    expect(stored.map((m) => m.id)).toEqual([(events[0] as { message: { id: string } }).message.id, last.message.id]);
    expect((await checkpointer.getThreadInfo(info.threadId))?.title).toBe("hi! I'm bob");
    expect(await threads.list()).toHaveLength(1);
  });

  it("reports tool calls and tool results as events", async () => {
    const { threads } = service();
    const events: ChatEvent[] = [];
    await threads.sendMessage("tools", "add 20 and 22", { onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === "tool_call" && e.name)).toEqual([
      expect.objectContaining({ name: "add", index: 0 }),
    ]);
    expect(
      events.filter((e) => e.type === "message").map((e) => (e as { message: { role: string } }).message.role),
    ).toEqual(["user", "assistant", "tool", "assistant"]);
  });

  it("stop() cancels mid-stream at once, keeps the partial reply marked interrupted, and the thread stays usable", async () => {
    const { threads, checkpointer } = service();
    const events: ChatEvent[] = [];
    const running = threads.sendMessage("c", "tell me something slow", {
      onEvent: (e) => {
        events.push(e);
        if (texts(events).length === 3) threads.stop("c");
      },
    });
    expect(threads.isRunning("c")).toBe(true);
    const result = await running;
    expect(result.status).toBe("cancelled");
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
    const stored = await messagesOf(threads, "c");
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored[1].content).toBe(texts(events).join(""));
    expect(stored[1].metadata?.interrupted).toBe(true);
    expect(texts(events).length).toBeLessThan(10);
    expect((await checkpointer.getThreadInfo("c"))?.metadata).toMatchObject({ messageCount: 2 });
    expect(threads.isRunning("c")).toBe(false);

    const next = await threads.sendMessage("c", "I'm carol");
    expect(next.status).toBe("completed");
    const sent = mock.messageRequests().at(-1)!.body.messages;
    expect(sent.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
    expect((await messagesOf(threads, "c")).at(-1)!.content).toMatch(/^Hello carol!/);
  });

  it("stop during a tool call cancels it and stores a stopped result; the next message gets a valid request", async () => {
    const checkpointer = new MemorySaver();
    const model = new AnthropicChatModel({
      apiKey: "test-key",
      baseURL: mock.url,
      model: "claude-sonnet-5-5",
      maxRetries: 0,
    });
    let started!: () => void;
    const toolStarted = new Promise<void>((resolve) => (started = resolve));
    const hanging: ChatTool = {
      definition: { name: "get_time", input_schema: { type: "object" } },
      run: (_args, { signal }) =>
        new Promise((_resolve, reject) => {
          started();
          signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
        }),
    };
    const threads = new ThreadService({ checkpointer, model, tools: [hanging] });
    const running = threads.sendMessage("tc", "what time is it?");
    await toolStarted;
    threads.stop("tc");
    const result = await running;
    expect(result.status).toBe("cancelled");
    const stored = await messagesOf(threads, "tc");
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(stored[1].tool_calls?.[0].name).toBe("get_time");
    expect(stored[2]).toMatchObject({
      tool_call_id: stored[1].tool_calls?.[0].id,
      content: "Stopped by the user before it finished.",
      metadata: { tool_status: "stopped", is_error: true },
    });
    expect(result.messages.at(-1)?.id).toBe(stored[2].id);

    const next = await threads.sendMessage("tc", "never mind, hello");
    expect(next.status).toBe("completed");
    const sent = mock.messageRequests().at(-1)!.body.messages;
    expect(sent.at(-1).content.map((b: { type: string }) => b.type)).toEqual(["tool_result", "text"]);
    expect(sent.at(-1).content[0]).toMatchObject({ tool_use_id: stored[1].tool_calls?.[0].id, is_error: true });
    expect((await messagesOf(threads, "tc")).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "user",
      "assistant",
    ]);
  });

  it("an external AbortSignal cancels too", async () => {
    const { threads } = service();
    const controller = new AbortController();
    const result = await threads.sendMessage("x", "slow please", {
      signal: controller.signal,
      onEvent: (e) => e.type === "token" && controller.abort(),
    });
    expect(result.status).toBe("cancelled");
    expect((await messagesOf(threads, "x"))[1]?.metadata?.interrupted).toBe(true);
  });

  it("retry after a cancel regenerates the reply from the checkpoint before it", async () => {
    const { threads } = service();
    const events: ChatEvent[] = [];
    await threads.sendMessage("r", "slow one", {
      onEvent: (e) => (events.push(e), texts(events).length === 2 && threads.stop("r")),
    });
    mock.script({ text: "a complete answer" });
    const result = await threads.retry("r");
    expect(result.status).toBe("completed");
    const stored = await messagesOf(threads, "r");
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      ["user", "slow one"],
      ["assistant", "a complete answer"],
    ]);
    // The request did not include the partial reply.
    expect(mock.messageRequests().at(-1)!.body.messages).toHaveLength(1);
  });

  it("a failed turn comes back as failed with the API's text; retry succeeds (the mock's 'fail' trigger)", async () => {
    const { threads } = service();
    await threads.sendMessage("f", "hi! I'm bob");
    const failed = await threads.sendMessage("f", "please fail now");
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "SERVER_ERROR", status: 500 });
    expect(failed.error?.message).toMatch(/fails once/);
    // The chat offers Retry for it, and shows the recorded failure (also after a reload).
    const loaded = await threads.load("f");
    expect(loaded?.interrupted).toBe(true);
    expect(loaded?.error).toMatchObject({
      name: "ServerError",
      code: "SERVER_ERROR",
      message: expect.stringMatching(/internal error/),
    });
    const retried = await threads.retry("f");
    expect(retried.status).toBe("completed");
    expect((await messagesOf(threads, "f")).map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });

  it("retry on a thread that ends with an unanswered user message and nothing pending (e.g. imported) asks the model", async () => {
    const { threads, checkpointer } = service();
    const { createChatGraph } = await import("../../../src/chat/chatGraph");
    const model = new AnthropicChatModel({
      apiKey: "test-key",
      baseURL: mock.url,
      model: "claude-sonnet-5-5",
      maxRetries: 0,
    });
    const graph = createChatGraph({ model, checkpointer });
    await graph.updateState(
      { configurable: { thread_id: "imp" } },
      { messages: [{ role: "user", content: "I'm dora" }] },
      "call_model",
    );
    expect((await graph.getState({ configurable: { thread_id: "imp" } })).next).toEqual([]);
    const result = await threads.retry("imp");
    expect(result.status).toBe("completed");
    expect((await messagesOf(threads, "imp")).map((m) => m.content)).toEqual([
      "I'm dora",
      "Hello dora! Nice to meet you. How can I help you today?",
    ]);
  });

  it("retry on an empty thread fails clearly", async () => {
    const { threads } = service();
    const result = await threads.retry("empty");
    expect(result.status).toBe("failed");
    expect(result.error?.message).toMatch(/Nothing to retry/);
  });

  it("a stalled stream fails as stalled (idle watchdog) and retry recovers", async () => {
    const { threads } = service({ idleTimeoutMs: 200 });
    const events: ChatEvent[] = [];
    const result = await threads.sendMessage("s", "this will stall", { onEvent: (e) => events.push(e) });
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "STALLED" });
    expect(texts(events).length).toBe(3);
    mock.script({ text: "recovered" });
    expect((await threads.retry("s")).status).toBe("completed");
    expect((await messagesOf(threads, "s")).at(-1)!.content).toBe("recovered");
  });

  it("a missing key fails clearly without a request", async () => {
    const { threads } = service({ apiKey: "" });
    const result = await threads.sendMessage("k", "hello");
    expect(result).toMatchObject({ status: "failed", error: { code: "MISSING_API_KEY" } });
    expect(mock.requests).toHaveLength(0);
    expect(await messagesOf(threads, "k")).toHaveLength(1);
  });

  it("one turn at a time per thread", async () => {
    const { threads } = service();
    const first = threads.sendMessage("b", "slow reply please");
    await expect(threads.sendMessage("b", "me too")).rejects.toBeInstanceOf(ThreadBusyError);
    threads.stop("b");
    expect((await first).status).toBe("cancelled");
  });

  it("deleteThread removes messages and the catalog entry, even mid-stream", async () => {
    const { threads } = service();
    await threads.sendMessage("d", "hello");
    await threads.delete("d");
    expect(await messagesOf(threads, "d")).toEqual([]);
    expect(await threads.list()).toEqual([]);

    const events: ChatEvent[] = [];
    const running = threads.sendMessage("d2", "slow one", { onEvent: (e) => events.push(e) });
    await mock.waitFor((reqs) => reqs.length > 1);
    while (texts(events).length === 0) await new Promise((r) => setImmediate(r));
    await threads.delete("d2");
    expect((await running).status).toBe("cancelled");
    expect(await messagesOf(threads, "d2")).toEqual([]);
    expect(await threads.list()).toEqual([]);
  });
});
