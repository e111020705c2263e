/**
 * The Anthropic adapter against the real SDK talking to the local mock server: streaming, tool calls,
 * every error mapping, retries, cancellation, the idle watchdog.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { startMockAnthropic } from "../../fixtures/mock-anthropic/server";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { ModelError } from "../../../src/model/errors";
import type { AnthropicChatModelOptions } from "../../../src/model/anthropic";
import type { ModelEvent, ToolDefinition } from "../../../src/model/types";
import type { Message } from "../../../src/graph/messages";

const mock = useMockAnthropic();
beforeEach(() => {
  mock.reset();
  mock.setResponder(undefined);
});

function model(options: Partial<AnthropicChatModelOptions> = {}) {
  return new AnthropicChatModel({
    apiKey: "test-key",
    baseURL: mock.url,
    model: "claude-sonnet-5-5",
    maxRetries: 0,
    ...options,
  });
}

async function collect(stream: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

async function failure(stream: AsyncIterable<ModelEvent>, seen: ModelEvent[] = []): Promise<ModelError> {
  try {
    for await (const e of stream) seen.push(e);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error("expected the stream to fail");
}

const user = (content: string): Message => ({ role: "user", content });
const ADD: ToolDefinition = {
  name: "add",
  description: "Adds two numbers",
  input_schema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
};

describe("AnthropicChatModel streaming", () => {
  it("yields text deltas in order, then the final message with usage, model and stop_reason", async () => {
    mock.script({ text: "one two three four", usage: { input_tokens: 11, output_tokens: 7 } });
    const events = await collect(model().stream([user("hi")], { system: "be brief" }));
    const texts = events.filter((e) => e.type === "text").map((e) => (e as { text: string }).text);
    expect(texts).toEqual(["one ", "two ", "three ", "four"]);
    const last = events.at(-1)!;
    expect(last.type).toBe("message");
    const message = (last as { message: Message }).message;
    expect(message).toMatchObject({
      role: "assistant",
      content: "one two three four",
      metadata: { usage: { input_tokens: 11, output_tokens: 7 }, model: "claude-sonnet-5-5", stop_reason: "end_turn" },
    });
    const body = mock.messageRequests()[0].body;
    expect(body).toMatchObject({
      model: "claude-sonnet-5-5",
      system: "be brief",
      stream: true,
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    });
    expect(mock.messageRequests()[0].headers.authorization).toBe("Bearer test-key");
  });

  it("streams tool calls as deltas and returns tool_calls with parsed args", async () => {
    const events = await collect(model().stream([user("please add 2 and 3")], { tools: [ADD] }));
    const starts = events.filter((e) => e.type === "tool_call_delta" && e.name);
    expect(starts).toEqual([expect.objectContaining({ index: 0, name: "add" })]);
    const args = events
      .filter((e) => e.type === "tool_call_delta" && e.argsDelta)
      .map((e) => (e as { argsDelta: string }).argsDelta)
      .join("");
    expect(JSON.parse(args)).toEqual({ a: 2, b: 3 });
    const message = (events.at(-1) as { message: Message }).message;
    expect(message.tool_calls).toEqual([{ id: expect.stringMatching(/^toolu_/), name: "add", args: { a: 2, b: 3 } }]);
    expect(message.metadata?.stop_reason).toBe("tool_use");
    expect(mock.messageRequests()[0].body.tools[0].name).toBe("add");
  });

  it("sends tool results back as tool_result blocks at the start of a user message", async () => {
    const history: Message[] = [
      user("add 2 and 3"),
      { role: "assistant", content: "Let me add.", tool_calls: [{ id: "toolu_a", name: "add", args: { a: 2, b: 3 } }] },
      { role: "tool", tool_call_id: "toolu_a", name: "add", content: "5" },
    ];
    const events = await collect(model().stream(history, { tools: [ADD] }));
    expect((events.at(-1) as { message: Message }).message.content).toBe("The tool returned: 5.");
    expect(mock.messageRequests()[0].body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "add 2 and 3" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me add." },
          { type: "tool_use", id: "toolu_a", name: "add", input: { a: 2, b: 3 } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_a", content: "5" }] },
    ]);
  });

  it("headers option: x-api-key and the old version header for local servers, Authorization removed", async () => {
    await collect(
      model({ headers: { "x-api-key": "local-key", Authorization: null, "anthropic-version": "2023-06-01" } }).stream([
        user("hi"),
      ]),
    );
    const headers = mock.messageRequests()[0].headers;
    expect(headers["x-api-key"]).toBe("local-key");
    expect(headers.authorization).toBeUndefined();
    expect(headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("counts tokens and lists models through the API", async () => {
    expect(await model().countTokens([user("hello there, how are you")])).toBeGreaterThan(0);
    expect((await model().listModels()).map((m) => m.id)).toContain("claude-haiku-5-5");
  });
});

describe("AnthropicChatModel errors", () => {
  it("missing key: a clear error before any request", async () => {
    const error = await failure(model({ apiKey: "" }).stream([user("hi")]));
    expect(error.code).toBe("MISSING_API_KEY");
    expect(error.message).toMatch(/API key/);
    expect(mock.requests).toHaveLength(0);
  });

  it.each([
    ["invalid-key", "claude-sonnet-5-5", 401, "AUTHENTICATION_FAILED", "invalid x-api-key"],
    ["forbidden-key", "claude-sonnet-5-5", 403, "PERMISSION_DENIED", "does not have permission"],
    ["test-key", "claude-nonexistent-1", 404, "MODEL_NOT_FOUND", "model: claude-nonexistent-1"],
  ])("key %s model %s → %i %s with the API's text and request id", async (apiKey, modelId, status, code, text) => {
    const error = await failure(model({ apiKey, model: modelId, maxRetries: 2 }).stream([user("hi")]));
    expect(error).toMatchObject({ code, status });
    expect(error.apiMessage).toContain(text);
    expect(error.message).toContain(text);
    expect(error.requestId).toMatch(/^req_/);
    expect(mock.messageRequests()).toHaveLength(1); // never retried
  });

  it("429 names the wait from retry-after", async () => {
    mock.script({
      status: 429,
      error: { type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" },
      headers: { "retry-after": "30" },
    });
    const error = await failure(model().stream([user("hi")]));
    expect(error).toMatchObject({ code: "RATE_LIMITED", status: 429, retryAfterMs: 30_000, retryable: true });
    expect(error.message).toMatch(/exceeded your rate limit.*Try again in 30 s/);
  });

  it("429 and 529 are retried (retry-after-ms), then succeed", async () => {
    mock.script(
      { status: 429, error: { type: "rate_limit_error", message: "rate" }, headers: { "retry-after-ms": "20" } },
      { status: 529, error: { type: "overloaded_error", message: "Overloaded" }, headers: { "retry-after-ms": "20" } },
      { text: "finally" },
    );
    const events = await collect(model({ maxRetries: 2 }).stream([user("hi")]));
    expect((events.at(-1) as { message: Message }).message.content).toBe("finally");
    expect(mock.messageRequests()).toHaveLength(3);
  });

  it("529 after retries are exhausted → overloaded", async () => {
    mock.script({
      status: 529,
      error: { type: "overloaded_error", message: "Overloaded" },
      headers: { "retry-after-ms": "20" },
    });
    const error = await failure(model().stream([user("hi")]));
    expect(error).toMatchObject({ code: "OVERLOADED", status: 529, apiMessage: "Overloaded" });
  });

  it("500 → server_error with the API's text", async () => {
    mock.script({ status: 500, error: { type: "api_error", message: "Internal server error" } });
    expect(await failure(model().stream([user("hi")]))).toMatchObject({
      code: "SERVER_ERROR",
      status: 500,
      apiMessage: "Internal server error",
    });
  });

  it("mid-stream overload before any token: one extra attempt that succeeds", async () => {
    mock.script(
      { text: "lost", deltasBefore: 0, streamError: { type: "overloaded_error", message: "Overloaded" } },
      { text: "second try" },
    );
    const events = await collect(model().stream([user("hi")]));
    expect(
      events
        .filter((e) => e.type === "text")
        .map((e) => (e as { text: string }).text)
        .join(""),
    ).toBe("second try");
    expect(events.some((e) => e.type === "retry")).toBe(true);
    expect(mock.messageRequests()).toHaveLength(2);
  });

  it("mid-stream overload after tokens reached the caller: no retry, partial kept", async () => {
    mock.script(
      { text: "half of a reply", deltasBefore: 2, streamError: { type: "overloaded_error", message: "Overloaded" } },
      { text: "never" },
    );
    const seen: ModelEvent[] = [];
    const error = await failure(model().stream([user("hi")]), seen);
    expect(error).toMatchObject({ code: "OVERLOADED", apiMessage: "Overloaded" });
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/while streaming/);
    expect(error.partial).toMatchObject({ role: "assistant", content: "half of ", metadata: { interrupted: true } });
    expect(seen.filter((e) => e.type === "text")).toHaveLength(2);
    expect(mock.messageRequests()).toHaveLength(1);
  });

  it("mid-stream event: error of another type → stream_error", async () => {
    mock.script({
      text: "a b c",
      deltasBefore: 1,
      streamError: { type: "api_error", message: "Internal server error" },
    });
    expect(await failure(model().stream([user("hi")]))).toMatchObject({
      code: "STREAM_ERROR",
      apiMessage: "Internal server error",
    });
  });

  it("a stream that ends without message_stop → incomplete_stream with the partial text", async () => {
    mock.script({ text: "cut short here", deltasBefore: 2, truncate: true });
    const error = await failure(model().stream([user("hi")]));
    expect(error.code).toBe("INCOMPLETE_STREAM");
    expect(error.partial?.content).toBe("cut short ");
  });

  it("407 from a proxy → connection_failed pointing at the proxy settings", async () => {
    // Node's fetch turns a 407 into a bare network error (fetch spec), so no status reaches the SDK.
    mock.script({ status: 407, error: { type: "proxy_error", message: "Proxy Authentication Required" } });
    const error = await failure(model().stream([user("hi")]));
    expect(error.code).toBe("CONNECTION_FAILED");
    expect(error.message).toMatch(/proxy/i);
  });

  it("connection refused → connection_failed naming the cause", async () => {
    const closed = await startMockAnthropic();
    const url = closed.url;
    await closed.close();
    const error = await failure(model({ baseURL: url }).stream([user("hi")]));
    expect(error.code).toBe("CONNECTION_FAILED");
    expect(error.message).toMatch(/refused/);
  });

  it("DNS failure → connection_failed naming DNS", async () => {
    const error = await failure(model({ baseURL: "http://skein-no-such-host.invalid" }).stream([user("hi")]));
    expect(error.code).toBe("CONNECTION_FAILED");
    expect(error.message).toMatch(/DNS|resolve/);
  });

  it("no response at all → timeout (the request timeout)", async () => {
    mock.script({ noResponse: true });
    const error = await failure(model({ requestTimeoutMs: 150 }).stream([user("hi")]));
    expect(error.code).toBe("TIMEOUT");
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
  });

  it("a stalled stream trips the idle watchdog and the request is closed", async () => {
    mock.script({ text: "a b c d e", deltasBefore: 2, stall: true });
    const error = await failure(model({ idleTimeoutMs: 150 }).stream([user("hi")]));
    expect(error.code).toBe("STALLED");
    expect(error.partial?.content).toBe("a b ");
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
  });
});

describe("AnthropicChatModel cancellation", () => {
  it("aborting mid-stream cancels the HTTP request at once and keeps the partial text", async () => {
    mock.script({ text: "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10", delayMs: 200 });
    const controller = new AbortController();
    const seen: ModelEvent[] = [];
    const stream = model().stream([user("hi")], { signal: controller.signal });
    let error: ModelError | undefined;
    try {
      for await (const e of stream) {
        seen.push(e);
        if (seen.length === 2) controller.abort();
      }
    } catch (e) {
      error = e as ModelError;
    }
    expect(error?.code).toBe("CANCELLED");
    expect(error?.partial?.content).toBe("w1 w2 ");
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
    expect(mock.requests[0].finished).toBe(false);
  });

  it("an already-aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await failure(model().stream([user("hi")], { signal: controller.signal }))).code).toBe("CANCELLED");
    expect(mock.requests).toHaveLength(0);
  });

  it("breaking out of the loop closes the request", async () => {
    mock.script({ text: "w1 w2 w3 w4 w5 w6", delayMs: 200 });
    const seen: ModelEvent[] = [];
    for await (const e of model().stream([user("hi")])) {
      seen.push(e);
      if (e.type === "text") break;
    }
    expect(seen.filter((e) => e.type === "text")).toHaveLength(1);
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
    // The server saw the client go away mid-reply: the request was cut, not finished.
    expect(mock.messageRequests()).toHaveLength(1);
    expect(mock.requests[0]).toMatchObject({ aborted: true, finished: false });
  });

  it("aborting during a retry wait stops at once", async () => {
    mock.script({
      status: 429,
      error: { type: "rate_limit_error", message: "rate" },
      headers: { "retry-after": "60" },
    });
    const controller = new AbortController();
    const pending = failure(
      model({ maxRetries: 2, maxRetryWaitMs: 120_000, requestTimeoutMs: 120_000 }).stream([user("hi")], {
        signal: controller.signal,
      }),
    );
    await mock.waitFor((reqs) => reqs[0]?.finished === true);
    controller.abort();
    expect((await pending).code).toBe("CANCELLED");
    expect(mock.messageRequests()).toHaveLength(1);
  });
});
