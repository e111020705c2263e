/**
 * The runtime defaults to durability "async" (LangGraph); Skein's chat graph runs with "sync", so the user's
 * message is stored before the model is called (and before it is announced). Real runtime, real SDK → mock.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createChatGraph } from "../../../src/chat/chatGraph";
import { ThreadService } from "../../../src/chat/threadService";
import type { ChatEvent } from "../../../src/chat/turns";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { SlowPutSaver } from "../../fixtures/slowPutSaver";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";

const mock = useMockAnthropic();
beforeEach(() => mock.reset());

const model = () =>
  new AnthropicChatModel({ apiKey: "test-key", baseURL: mock.url, model: "claude-sonnet-5-5", maxRetries: 0 });

describe("the chat graph runs with durability sync", () => {
  it("sendMessage: the input checkpoint is stored before call_model runs, and the message is announced after that", async () => {
    const saver = new SlowPutSaver(new Set(["input"]), 300);
    const threads = new ThreadService({ checkpointer: saver, model: model() });
    const events: ChatEvent[] = [];
    let announcedAfter: string[] | undefined;
    const result = await threads.sendMessage("t", "hi! I'm bob", {
      onEvent: (e) => {
        events.push(e);
        if (e.type === "message" && e.message.role === "user") announcedAfter = [...saver.events];
      },
    });
    expect(result.status).toBe("completed");
    expect(saver.events[0]).toBe("put:input:-1");
    expect(saver.events[1]).toMatch(/^writes:messages/);
    expect(announcedAfter).toEqual(["put:input:-1"]);
    expect(saver.pendingPuts).toBe(0);
  });

  it("createChatGraph's invoke (used for planned runs) defaults to sync too", async () => {
    const saver = new SlowPutSaver(new Set(["input"]), 300);
    const graph = createChatGraph({ model: model(), checkpointer: saver });
    await graph.invoke({ messages: [{ role: "user", content: "hello" }] }, { configurable: { thread_id: "t" } });
    expect(saver.events[0]).toBe("put:input:-1");
    expect(saver.events[1]).toMatch(/^writes:messages/);
  });
});
