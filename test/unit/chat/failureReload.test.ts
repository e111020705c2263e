/**
 * A failed turn read back after a reload (a new service over the same FileSaver directory) keeps its code
 * and a short message: a malformed event stream, a megabyte-sized API error, a reply cut at the size cap.
 * Real SDK → mock server, real runtime, real FileSaver.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../src/checkpoint/file";
import { MAX_ERROR_MESSAGE_CHARS } from "../../../src/checkpoint/limits";
import { ERROR } from "../../../src/checkpoint/types";
import { ThreadService } from "../../../src/chat/threadService";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";

const mock = useMockAnthropic();
let dir: string;
beforeEach(() => {
  mock.reset();
  dir = mkdtempSync(join(tmpdir(), "skein-reload-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(maxReplyChars?: number) {
  const saver = new FileSaver(dir, { fsync: false, onWarning: () => undefined });
  const model = new AnthropicChatModel({
    apiKey: "test-key",
    baseURL: mock.url,
    model: "claude-sonnet-5-5",
    maxRetries: 0,
    maxReplyChars,
  });
  return { saver, threads: new ThreadService({ checkpointer: saver, model: () => model, tools: [] }) };
}

describe("failures after a reload", () => {
  it("malformed SSE: the stored failure still says MALFORMED_RESPONSE, in words a person can act on", async () => {
    mock.script({ text: "a b c", deltasBefore: 1, raw: "event: message_delta\ndata: {'bad': json}\n\n" });
    const first = open();
    const result = await first.threads.sendMessage("t", "hello");
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "MALFORMED_RESPONSE" });
    await first.saver.close();

    const second = open();
    const status = (await second.threads.load("t"))!;
    expect(status.error).toMatchObject({ name: "MalformedResponseError", code: "MALFORMED_RESPONSE" });
    expect(status.error?.message).toMatch(/could not read/);
    expect(status.error?.message).not.toMatch(/Expected property name/);
    await second.saver.close();
  });

  it("a failure stored with an earlier version's lower-case code reads back with today's code", async () => {
    mock.script({ status: 400, error: { type: "invalid_request_error", message: "bad request" } });
    const first = open();
    expect((await first.threads.sendMessage("t", "hello")).status).toBe("failed");
    // Rewrite the recorded failure as an earlier version wrote codes: lower case, beside a name no map knows.
    const head = (await first.saver.getTuple({ configurable: { thread_id: "t" } }))!;
    const [taskId, , recorded] = head.pendingWrites!.find(([, channel]) => channel === ERROR)!;
    await first.saver.putWrites(
      head.config,
      [[ERROR, { ...(recorded as object), name: "Error", code: "missing_api_key" }]],
      taskId,
    );
    await first.saver.close();

    const second = open();
    const status = (await second.threads.load("t"))!;
    expect(status.error).toMatchObject({
      name: "Error",
      code: "MISSING_API_KEY",
      message: expect.stringMatching(/bad request/),
    });
    await second.saver.close();
  });

  it("a 5 MB API error is stored short", async () => {
    mock.script({ status: 400, error: { type: "invalid_request_error", message: "y".repeat(5 * 1024 * 1024) } });
    const first = open();
    expect((await first.threads.sendMessage("t", "hello")).status).toBe("failed");
    await first.saver.close();
    const second = open();
    const status = (await second.threads.load("t"))!;
    expect(status.error?.code).toBe("INVALID_REQUEST");
    expect(status.error!.message.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 200);
    await second.saver.close();
  });

  it("a reply over the size cap is stored up to the cap with the note, and the thread goes on", async () => {
    const text = "z".repeat(3_000);
    mock.script({ text, chunks: text.match(/.{1,100}/g)!, delayMs: 2 });
    const first = open(1_000);
    expect((await first.threads.sendMessage("t", "hello")).status).toBe("completed");
    await first.saver.close();
    const second = open(1_000);
    const messages = (await second.threads.load("t"))!.messages;
    expect(messages).toHaveLength(2);
    expect(messages[1].content).toMatch(/^z{1000}\n\n\*\[Skein stopped receiving this reply at its size limit/);
    expect(messages[1].metadata?.sizeLimited).toBe(true);
    expect((await second.threads.sendMessage("t", "next")).status).toBe("completed");
    await second.saver.close();
  });
});
