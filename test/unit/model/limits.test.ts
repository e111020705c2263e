/**
 * The adapter against a hostile or slow server (the real SDK talking to the local mock): long retry-after
 * values fail at once naming the wait, one deadline bounds the whole wait for a response, a malformed event
 * stream and a huge error message give a short coded error, and a reply larger than the cap is cut with a
 * note. Outcomes and request counts are asserted, never durations.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { MODEL_ERROR_CODES, ModelError } from "../../../src/model/errors";
import type { AnthropicChatModelOptions } from "../../../src/model/anthropic";
import type { ModelEvent } from "../../../src/model/types";
import type { Message } from "../../../src/graph/messages";
import { MAX_ERROR_MESSAGE_CHARS } from "../../../src/checkpoint/limits";

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
    maxRetries: 2,
    ...options,
  });
}

async function outcome(stream: AsyncIterable<ModelEvent>): Promise<{ events: ModelEvent[]; error?: ModelError }> {
  const events: ModelEvent[] = [];
  try {
    for await (const e of stream) events.push(e);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return { events, error: error as ModelError };
  }
  return { events };
}

const user = (content: string): Message => ({ role: "user", content });
const RATE = { type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" };

describe("retries and the request deadline", () => {
  it("a 429 asking to wait an hour fails at once, saying when to try again (one request, no sleeping through it)", async () => {
    mock.script({ status: 429, error: RATE, headers: { "retry-after": "3600" } });
    const { error } = await outcome(model().stream([user("hi")]));
    expect(error).toMatchObject({
      name: "RateLimitedError",
      code: "RATE_LIMITED",
      status: 429,
      retryAfterMs: 3_600_000,
      retryable: true,
    });
    expect(error!.message).toMatch(/Rate limited.*Try again in 60 min/);
    expect(mock.messageRequests()).toHaveLength(1);
  });

  it("a 429 whose wait would outlast the request timeout is not waited for either", async () => {
    mock.script({ status: 429, error: RATE, headers: { "retry-after": "5" } });
    const { error } = await outcome(model({ requestTimeoutMs: 1_000, maxRetryWaitMs: 60_000 }).stream([user("hi")]));
    expect(error).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 5_000 });
    expect(error!.message).toMatch(/Try again in 5 s/);
    expect(mock.messageRequests()).toHaveLength(1);
  });

  it("a short retry-after is waited out and retried (a retry event first), then the reply streams", async () => {
    mock.script({ status: 429, error: RATE, headers: { "retry-after-ms": "20" } }, { text: "after the wait" });
    const { events, error } = await outcome(model().stream([user("hi")]));
    expect(error).toBeUndefined();
    expect(events[0]).toMatchObject({ type: "retry", attempt: 1, reason: expect.stringMatching(/429/) });
    expect((events.at(-1) as { message: Message }).message.content).toBe("after the wait");
    expect(mock.messageRequests()).toHaveLength(2);
  });

  it("x-should-retry: false is obeyed, and a dropped connection is retried", async () => {
    mock.script({ status: 500, error: { type: "api_error", message: "no" }, headers: { "x-should-retry": "false" } });
    expect((await outcome(model().stream([user("hi")]))).error?.code).toBe("SERVER_ERROR");
    expect(mock.messageRequests()).toHaveLength(1);
    mock.reset();
    mock.script({ destroySocket: true }, { text: "second try" });
    const { error } = await outcome(model().stream([user("hi")]));
    expect(error).toBeUndefined();
    expect(mock.messageRequests()).toHaveLength(2);
  });

  it("a server that never sends headers fails with the request timeout, which bounds every attempt together", async () => {
    mock.script({ noResponse: true }, { noResponse: true }, { noResponse: true });
    const { error } = await outcome(model({ requestTimeoutMs: 300 }).stream([user("hi")]));
    expect(error).toMatchObject({ name: "RequestTimeoutError", code: "TIMEOUT", retryable: true });
    expect(error!.message).toMatch(/did not start answering within 1 s \(the request timeout setting\)/);
    // The deadline covers the whole wait: no second attempt gets a fresh timeout.
    expect(mock.messageRequests()).toHaveLength(1);
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
  });

  it("Stop during a retry wait still cancels at once", async () => {
    mock.script({ status: 503, error: { type: "api_error", message: "busy" }, headers: { "retry-after": "8" } });
    const controller = new AbortController();
    const pending = outcome(model({ maxRetryWaitMs: 60_000 }).stream([user("hi")], { signal: controller.signal }));
    await mock.waitFor((reqs) => reqs[0]?.finished === true);
    controller.abort();
    expect((await pending).error?.code).toBe("CANCELLED");
    expect(mock.messageRequests()).toHaveLength(1);
  });
});

describe("hostile replies", () => {
  it("a malformed event stream gives a coded, readable error whose code survives a reload (its class name maps to it)", async () => {
    mock.script({ text: "one two three", deltasBefore: 2, raw: "event: content_block_delta\ndata: {not json\n\n" });
    const { error } = await outcome(model().stream([user("hi")]));
    expect(error).toMatchObject({ name: "MalformedResponseError", code: "MALFORMED_RESPONSE", retryable: true });
    expect(error!.message).toMatch(/could not read/);
    expect(error!.message).not.toMatch(/Expected property name/);
    expect(MODEL_ERROR_CODES[error!.name]).toBe("MALFORMED_RESPONSE");
    expect(error!.partial?.content).toBe("one two ");
  });

  it("a 5 MB API error message is cut to a short one with a note", async () => {
    const huge = "x".repeat(5 * 1024 * 1024);
    mock.script({ status: 400, error: { type: "invalid_request_error", message: huge } });
    const { error } = await outcome(model().stream([user("hi")]));
    expect(error?.code).toBe("INVALID_REQUEST");
    expect(error!.apiMessage!.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 100);
    expect(error!.apiMessage).toMatch(/more characters not shown\)$/);
    expect(error!.message.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 200);
  });

  it("every error class the model layer throws has its code in MODEL_ERROR_CODES (what a reload reads back)", async () => {
    const errors = await import("../../../src/model/errors");
    for (const [name, value] of Object.entries(errors)) {
      if (typeof value !== "function" || !(value.prototype instanceof ModelError)) continue;
      expect(MODEL_ERROR_CODES, name).toHaveProperty(name);
    }
  });
});

describe("the reply size cap", () => {
  it("keeps what fits, ends with a note, and closes the request", async () => {
    const text = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(3, "0")}${"a".repeat(96)}`).join("");
    mock.script({ text, chunks: text.match(/.{1,99}/g)!, delayMs: 5 });
    const { events, error } = await outcome(model({ maxReplyChars: 1_000 }).stream([user("hi")]));
    expect(error).toBeUndefined();
    const final = (events.at(-1) as { type: "message"; message: Message }).message;
    const content = final.content as string;
    expect(content.startsWith(text.slice(0, 1_000))).toBe(true);
    expect(content.slice(1_000)).toMatch(
      /^\n\n\*\[Skein stopped receiving this reply at its size limit \(1 KB\); the rest was not received\.\]\*$/,
    );
    expect(final.metadata).toMatchObject({ stop_reason: "size_limit", sizeLimited: true });
    // The streamed pieces are exactly the stored text.
    expect(
      events
        .filter((e) => e.type === "text")
        .map((e) => (e as { text: string }).text)
        .join(""),
    ).toBe(content);
    await mock.waitFor((reqs) => reqs[0]?.aborted === true);
    expect(mock.requests[0].finished).toBe(false);
  });

  it("a tool call the cap cuts into is dropped (half its arguments could not run)", async () => {
    mock.script({
      text: "short intro",
      toolUses: [{ name: "add", input: { a: 1, b: 2, pad: "p".repeat(3_000) } }],
      delayMs: 1,
    });
    const { events, error } = await outcome(model({ maxReplyChars: 1_000 }).stream([user("add 1 and 2")]));
    expect(error).toBeUndefined();
    const final = (events.at(-1) as { type: "message"; message: Message }).message;
    expect(final.tool_calls).toBeUndefined();
    expect(final.content).toMatch(/^short intro\n\n\*\[Skein stopped/);
  });
});

describe("tool arguments deeper than the store keeps", () => {
  it("are kept as their raw text instead of a value no export could carry", async () => {
    let input: unknown = 1;
    for (let i = 0; i < 1_200; i++) input = { d: input };
    mock.script({
      toolUses: [
        { name: "deep", input },
        { name: "flat", input: { a: 1 } },
      ],
    });
    const { events } = await outcome(model().stream([user("go")]));
    const final = (events.at(-1) as { message: Message }).message;
    expect(final.tool_calls![0]!.args).toEqual({ _raw: JSON.stringify(input) });
    expect(final.tool_calls![1]!.args).toEqual({ a: 1 });
  });
});
