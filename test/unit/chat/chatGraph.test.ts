/**
 * The chat graph on the real runtime + MemorySaver + the real SDK against the mock server: the seed
 * scenario, token streaming, tool turns, titles and catalog, retries, poisoned-history repair, trimming.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { createChatGraph } from "../../../src/chat/chatGraph";
import { addTool, getTimeTool } from "../../../src/chat/tools";
import type { ChatTool } from "../../../src/chat/tools";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { ModelError } from "../../../src/model/errors";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";
import type { Message, StoredMessage } from "../../../src/graph/messages";
import type { ChatModel } from "../../../src/model/types";

const mock = useMockAnthropic();
beforeEach(() => {
  mock.reset();
  mock.setResponder(undefined);
});

function setup(
  options: { tools?: ChatTool[]; maxMessages?: number; systemPrompt?: string; idleTimeoutMs?: number } = {},
) {
  const checkpointer = new MemorySaver();
  const model = new AnthropicChatModel({
    apiKey: "test-key",
    baseURL: mock.url,
    model: "claude-sonnet-5-5",
    maxRetries: 0,
    idleTimeoutMs: options.idleTimeoutMs,
  });
  const graph = createChatGraph({
    model,
    checkpointer,
    systemPrompt: options.systemPrompt,
    tools: options.tools,
    context: { maxMessages: options.maxMessages },
  });
  return { checkpointer, graph, model };
}

const cfg = (thread_id: string) => ({ configurable: { thread_id } });
const say = (content: string) => ({ messages: [{ role: "user" as const, content }] });
const lastText = (state: { messages: Message[] }) => {
  const last = state.messages.at(-1)!;
  return typeof last.content === "string" ? last.content : JSON.stringify(last.content);
};
const sentMessages = (n: number) =>
  mock.messageRequests()[n].body.messages as Array<{ role: string; content: Array<{ type: string; text?: string }> }>;

describe("chat graph", () => {
  it("seed scenario: thread 1 remembers bob, thread 2 sends none of it", async () => {
    const { graph } = setup({ systemPrompt: "You are Skein." });
    const first = await graph.invoke(say("hi! I'm bob"), cfg("1"));
    expect(lastText(first)).toBe("Hello bob! Nice to meet you. How can I help you today?");
    const second = await graph.invoke(say("what's my name?"), cfg("1"));
    expect(lastText(second)).toBe("Your name is bob.");
    expect(sentMessages(1).map((m) => [m.role, m.content[0].text])).toEqual([
      ["user", "hi! I'm bob"],
      ["assistant", "Hello bob! Nice to meet you. How can I help you today?"],
      ["user", "what's my name?"],
    ]);
    expect(mock.messageRequests()[1].body.system).toBe("You are Skein.");
    const other = await graph.invoke(say("what's my name?"), cfg("2"));
    expect(sentMessages(2)).toHaveLength(1);
    expect(lastText(other)).toMatch(/don't know your name/);
  });

  it("streams tokens in order with the stored message's id (streamMode messages)", async () => {
    const { graph } = setup();
    mock.script({ text: "alpha beta gamma delta", usage: { input_tokens: 12, output_tokens: 4 } });
    const chunks: Array<[{ id: string; content: string }, { langgraph_node: string }]> = [];
    for await (const chunk of await graph.stream(say("hi"), { ...cfg("s"), streamMode: "messages" }))
      chunks.push(chunk as never);
    expect(chunks.map(([c]) => c.content)).toEqual(["alpha ", "beta ", "gamma ", "delta"]);
    expect(new Set(chunks.map(([, m]) => m.langgraph_node))).toEqual(new Set(["call_model"]));
    const state = await graph.getState(cfg("s"));
    const reply = (state.values.messages as StoredMessage[]).at(-1)!;
    expect(chunks.every(([c]) => c.id === reply.id)).toBe(true);
    expect(reply.metadata).toMatchObject({
      usage: { input_tokens: 12, output_tokens: 4 },
      model: "claude-sonnet-5-5",
      stop_reason: "end_turn",
    });
  });

  it("runs the call_model ⇄ tools loop with tool_use / tool_result blocks", async () => {
    const { graph } = setup({ tools: [addTool, getTimeTool] });
    const state = await graph.invoke(say("please add 2 and 3"), cfg("tools"));
    expect(state.messages.map((m: Message) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(state.messages[1].tool_calls).toEqual([{ id: expect.any(String), name: "add", args: { a: 2, b: 3 } }]);
    const callId = state.messages[1].tool_calls![0].id;
    expect(state.messages[2]).toMatchObject({ role: "tool", content: "5", tool_call_id: callId, name: "add" });
    expect(lastText(state)).toBe("The tool returned: 5.");
    expect(mock.messageRequests()[0].body.tools.map((t: { name: string }) => t.name)).toEqual(["add", "get_time"]);
    expect(sentMessages(1).at(-1)).toEqual({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: callId, content: "5" }],
    });
  });

  it("a failing or unknown tool becomes an error tool_result and the loop continues", async () => {
    const broken: ChatTool = {
      definition: { name: "explode", input_schema: { type: "object" } },
      run: () => {
        throw new Error("kaboom");
      },
    };
    const { graph } = setup({ tools: [broken] });
    mock.script({
      toolUses: [
        { id: "toolu_x", name: "explode", input: {} },
        { id: "toolu_y", name: "missing", input: {} },
      ],
    });
    const state = await graph.invoke(say("go"), cfg("tool-errors"));
    const results = state.messages.filter((m: Message) => m.role === "tool");
    expect(results.map((m: Message) => [m.content, m.metadata?.is_error])).toEqual([
      ["Error: kaboom", true],
      ['Error: Unknown tool "missing". Available: explode.', true],
    ]);
    const sent = sentMessages(1).at(-1)!.content as unknown as Array<{ is_error?: boolean; tool_use_id: string }>;
    expect(sent.map((b) => [b.tool_use_id, b.is_error])).toEqual([
      ["toolu_x", true],
      ["toolu_y", true],
    ]);
    expect(lastText(state)).toMatch(/^The tool returned: Error: kaboom/);
  });

  it("titles the thread from the first user message at once and keeps catalog metadata current", async () => {
    const { graph, checkpointer } = setup();
    await graph.invoke(say("## Plan the **garden** layout for spring, with raised beds and a path"), cfg("t"));
    let info = await checkpointer.getThreadInfo("t");
    expect(info?.title).toBe("Plan the garden layout for spring, with raised beds and a…");
    expect(info?.metadata).toMatchObject({ messageCount: 2, lastMessageRole: "assistant" });
    await graph.invoke(say("thanks"), cfg("t"));
    info = await checkpointer.getThreadInfo("t");
    expect(info?.title).toBe("Plan the garden layout for spring, with raised beds and a…");
    expect(info?.metadata).toMatchObject({
      messageCount: 4,
      lastMessagePreview: 'You said: "thanks". This is the mock assistant.',
    });
    // A title the user chose is never replaced.
    await checkpointer.setThreadInfo("u", { title: "Mine" });
    await graph.invoke(say("hello"), cfg("u"));
    expect((await checkpointer.getThreadInfo("u"))?.title).toBe("Mine");
  });

  it("a failed turn leaves the thread retryable with invoke(null), and a new message also works", async () => {
    const { graph } = setup();
    await graph.invoke(say("hi! I'm bob"), cfg("f"));
    mock.script({ status: 500, error: { type: "api_error", message: "Internal server error" } });
    const error = await graph.invoke(say("what's my name?"), cfg("f")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe("SERVER_ERROR");
    const state = await graph.getState(cfg("f"));
    expect(state.next).toEqual(["call_model"]);
    const retried = await graph.invoke(null, cfg("f"));
    expect(lastText(retried)).toBe("Your name is bob.");
    expect(retried.messages.map((m: Message) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);

    mock.script({ status: 529, error: { type: "overloaded_error", message: "Overloaded" } });
    await expect(graph.invoke(say("first try"), cfg("f"))).rejects.toMatchObject({ code: "OVERLOADED" });
    const after = await graph.invoke(say("second message"), cfg("f"));
    // The unanswered user message stays stored; both go out merged as one user turn.
    expect(
      sentMessages(mock.messageRequests().length - 1)
        .at(-1)
        ?.content.map((b) => b.text),
    ).toEqual(["first try", "second message"]);
    expect(lastText(after)).toBe('You said: "first try\nsecond message". This is the mock assistant.');
  });

  it("repairs a poisoned history: a stored tool_use without its result still gets a valid request", async () => {
    const { graph } = setup({ tools: [addTool] });
    await graph.invoke(say("hello"), cfg("p"));
    // Store an assistant tool call with no result, as a crashed or cancelled run would leave it.
    await graph.updateState(
      cfg("p"),
      {
        messages: [
          { role: "assistant", content: "", tool_calls: [{ id: "toolu_lost", name: "add", args: { a: 1, b: 2 } }] },
        ],
      },
      "tools",
    );
    const state = await graph.invoke(say("are you still there?"), cfg("p"));
    expect(lastText(state)).toBe('You said: "are you still there?". This is the mock assistant.');
    const sent = sentMessages(mock.messageRequests().length - 1);
    expect(sent.at(-1)?.content.map((b) => b.type)).toEqual(["tool_result", "text"]);
    expect((sent.at(-1)?.content[0] as unknown as { is_error: boolean }).is_error).toBe(true);
    // The stored thread stays truthful: no invented tool result.
    expect(state.messages.filter((m: Message) => m.role === "tool")).toHaveLength(0);
  });

  it("maxMessages trims what is sent, never what is stored", async () => {
    const { graph } = setup({ maxMessages: 4 });
    for (let i = 1; i <= 5; i++) await graph.invoke(say(`message ${i}`), cfg("trim"));
    const sent = sentMessages(4);
    expect(sent.map((m) => m.content[0].text)).toEqual([
      "message 4",
      'You said: "message 4". This is the mock assistant.',
      "message 5",
    ]);
    const state = await graph.getState(cfg("trim"));
    expect(state.values.messages).toHaveLength(10);
    expect((state.values.messages as StoredMessage[]).at(-1)!.metadata?.omittedMessages).toBe(6);
  });

  it("invoke with an aborted signal cancels the HTTP request, keeps the partial reply interrupted, thread usable", async () => {
    const { graph, checkpointer } = setup();
    mock.script({ text: "one two three four five six seven eight", delayMs: 100 });
    const controller = new AbortController();
    const tokens: string[] = [];
    const running = (async () => {
      for await (const [chunk] of await graph.stream(say("hi"), {
        ...cfg("cx"),
        signal: controller.signal,
        streamMode: "messages",
      })) {
        tokens.push((chunk as { content: string }).content);
        if (tokens.length === 2) controller.abort();
      }
    })();
    await expect(running).rejects.toBeDefined();
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
    const state = await graph.getState(cfg("cx"));
    const messages = state.values.messages as StoredMessage[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(messages[1]).toMatchObject({ content: tokens.join(""), metadata: { interrupted: true } });
    expect(state.next).toEqual([]);
    expect((await checkpointer.getThreadInfo("cx"))?.metadata).toMatchObject({ messageCount: 2 });
    const next = await graph.invoke(say("again"), cfg("cx"));
    expect(lastText(next)).toBe('You said: "again". This is the mock assistant.');
  });

  it("invoke aborted the same way keeps the partial too; breaking out of stream does as well", async () => {
    const { graph, model } = setup();
    // Observe the real model's tokens (a pass-through, not a fake) to abort right after the first one.
    let firstToken!: () => void;
    const sawToken = new Promise<void>((resolve) => (firstToken = resolve));
    const observed: ChatModel = {
      model: model.model,
      contextWindow: model.contextWindow,
      maxTokens: model.maxTokens,
      async *stream(messages, options) {
        for await (const event of model.stream(messages, options)) {
          yield event;
          if (event.type === "text") firstToken();
        }
      },
    };
    const checkpointer = new MemorySaver();
    const observedGraph = createChatGraph({ model: observed, checkpointer });
    mock.script({ text: "alpha beta gamma delta epsilon", delayMs: 100 });
    const controller = new AbortController();
    const pending = observedGraph.invoke(say("hi"), { ...cfg("ci"), signal: controller.signal });
    await sawToken;
    controller.abort();
    await expect(pending).rejects.toBeDefined();
    const after = (await observedGraph.getState(cfg("ci"))).values.messages as StoredMessage[];
    expect(after[1]).toMatchObject({ role: "assistant", content: "alpha ", metadata: { interrupted: true } });

    mock.script({ text: "w1 w2 w3 w4 w5", delayMs: 100 });
    for await (const [chunk] of await graph.stream(say("more"), { ...cfg("cb"), streamMode: "messages" }))
      if ((chunk as { content: string }).content) break;
    const last = ((await graph.getState(cfg("cb"))).values.messages as StoredMessage[]).at(-1)!;
    expect(last).toMatchObject({ role: "assistant", content: "w1 ", metadata: { interrupted: true } });
  });

  it("'prompt is too long' from the API: the turn is resent once with half the context", async () => {
    const { graph } = setup();
    for (let i = 1; i <= 4; i++) await graph.invoke(say(`message ${i}`), cfg("long"));
    mock.script({
      status: 400,
      error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" },
    });
    const state = await graph.invoke(say("message 5"), cfg("long"));
    expect(lastText(state)).toBe('You said: "message 5". This is the mock assistant.');
    const [tooLong, resent] = mock
      .messageRequests()
      .slice(-2)
      .map((r) => r.body.messages.length);
    expect(tooLong).toBe(9);
    expect(resent).toBeLessThan(9);
    expect(mock.messageRequests().at(-1)!.body.messages.at(-1).content[0].text).toBe("message 5");
  });

  it("a mid-stream failure before any token is retried once by the model", async () => {
    const { graph } = setup();
    mock.script({ text: "x", deltasBefore: 0, streamError: { type: "overloaded_error", message: "Overloaded" } });
    const state = await graph.invoke(say("hi"), cfg("o"));
    expect(lastText(state)).toBe('You said: "hi". This is the mock assistant.');
    expect(mock.messageRequests()).toHaveLength(2);
  });
});
