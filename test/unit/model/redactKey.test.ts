/**
 * The API key never leaves the model layer inside an error: a server (or proxy) that quotes the credentials
 * in its error, or an error event mid-stream that does, reaches the graph's stored failure, the turn's result
 * and a FileSaver store only with "[redacted]". Real SDK → mock server, real runtime, real FileSaver.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../src/checkpoint/file";
import { ThreadService } from "../../../src/chat/threadService";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { ModelError } from "../../../src/model/errors";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";

const mock = useMockAnthropic();
let dir: string;
let saver: FileSaver;
beforeEach(() => {
  mock.reset();
  dir = mkdtempSync(join(tmpdir(), "skein-redact-"));
  saver = new FileSaver(dir, { fsync: false, onWarning: () => undefined });
});
afterEach(async () => {
  await saver.close();
  rmSync(dir, { recursive: true, force: true });
});

function allFiles(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

/** Every text reachable from the error: message, apiMessage, stack and the whole cause chain. */
function errorTexts(error: unknown): string {
  const out: string[] = [];
  for (
    let e = error as { message?: unknown; apiMessage?: unknown; stack?: unknown; cause?: unknown } | undefined,
      depth = 0;
    e && depth < 8;
    e = e.cause as typeof e, depth++
  ) {
    out.push(String(e.message ?? ""), String(e.apiMessage ?? ""), String(e.stack ?? ""));
    if (typeof e === "object") out.push(JSON.stringify(e, (_k, v) => (typeof v === "bigint" ? String(v) : v)) ?? "");
  }
  return out.join("\n");
}

async function failTurn(key: string) {
  const model = new AnthropicChatModel({ apiKey: key, baseURL: mock.url, model: "claude-sonnet-5-5", maxRetries: 0 });
  const threads = new ThreadService({ checkpointer: saver, model: () => model });
  const result = await threads.sendMessage("t", "hello there");
  await saver.close();
  return {
    result,
    status: await new ThreadService({
      checkpointer: (saver = new FileSaver(dir, { fsync: false, onWarning: () => undefined })),
      model: () => model,
    }).load("t"),
  };
}

describe("the API key is redacted from model errors at the source", () => {
  it("a 401 that quotes the Authorization header: not in the error, the stored failure, or any store file", async () => {
    const key = "sk-ant-echo-9f8e7d6c5b4a39281706";
    const { result, status } = await failTurn(key);
    expect(result.status).toBe("failed");
    expect(result.error).toBeInstanceOf(ModelError);
    expect(result.error).toMatchObject({ code: "AUTHENTICATION_FAILED" });
    // The server did quote it: the redaction is what keeps it out.
    expect(mock.requests.map((r) => r.headers["authorization"] ?? r.headers["x-api-key"])).toContain(`Bearer ${key}`);
    expect(result.error?.message).toContain("authorization=Bearer [redacted]");
    expect((result.error as ModelError).apiMessage).toContain("[redacted]");
    expect(errorTexts(result.error)).not.toContain(key);
    expect(status?.error?.message).toContain("[redacted]");
    expect(status?.error?.message).not.toContain(key);
    const files = allFiles(dir);
    expect(files.some((f) => readFileSync(f, "utf8").includes("[redacted]"))).toBe(true);
    for (const file of files) expect(readFileSync(file, "utf8"), file).not.toContain(key);
  });

  it("an error event mid-stream that quotes the key: redacted in the error, the stored failure and every store file", async () => {
    const key = "sk-ant-api03-secret-0123456789abcdef";
    mock.script({
      text: "one two three four",
      deltasBefore: 2,
      streamError: { type: "api_error", message: `upstream refused key ${key}` },
    });
    const { result, status } = await failTurn(key);
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "STREAM_ERROR" });
    expect(result.error?.message).toContain("upstream refused key [redacted]");
    expect(errorTexts(result.error)).not.toContain(key);
    expect(status?.error?.message).not.toContain(key);
    const files = allFiles(dir);
    expect(files.some((f) => readFileSync(f, "utf8").includes("[redacted]"))).toBe(true);
    for (const file of files) expect(readFileSync(file, "utf8"), file).not.toContain(key);
  });
});
