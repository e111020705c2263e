/**
 * The mock Messages API server speaks the wire format the real SDK parses: checked here with the SDK itself,
 * so other suites can trust it.
 */
import { describe, expect, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { useMockAnthropic } from "../../fixtures/mock-anthropic/useMock";

const mock = useMockAnthropic();

function client(options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) {
  return new Anthropic({ apiKey: "test-key", baseURL: mock.url, maxRetries: 0, ...options });
}

describe("mock Anthropic server", () => {
  it("streams SSE frames the SDK assembles, and records headers and body", async () => {
    mock.reset();
    const stream = client().messages.stream({
      model: "claude-sonnet-5-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi! I'm bob" }],
    });
    const texts: string[] = [];
    stream.on("text", (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({
      type: "text",
      text: "Hello bob! Nice to meet you. How can I help you today?",
    });
    expect(texts.length).toBeGreaterThan(3);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    const [req] = mock.messageRequests();
    expect(req.headers["authorization"]).toBe("Bearer test-key");
    expect(req.body.messages).toEqual([{ role: "user", content: "hi! I'm bob" }]);
  });

  it("answers from the history it was sent", async () => {
    const res = await client().messages.create({
      model: "m",
      max_tokens: 10,
      messages: [
        { role: "user", content: "hi! I'm bob" },
        { role: "assistant", content: "Hello bob!" },
        { role: "user", content: "what's my name?" },
      ],
    });
    expect(res.content[0]).toMatchObject({ text: "Your name is bob." });
    const alone = await client().messages.create({
      model: "m",
      max_tokens: 10,
      messages: [{ role: "user", content: "what's my name?" }],
    });
    expect((alone.content[0] as { text: string }).text).toMatch(/don't know/);
  });

  it("streams tool_use with input_json_delta fragments", async () => {
    const stream = client().messages.stream({
      model: "m",
      max_tokens: 100,
      tools: [{ name: "add", description: "adds", input_schema: { type: "object", properties: {} } }],
      messages: [{ role: "user", content: "please add 2 and 40" }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content.find((b) => b.type === "tool_use")).toMatchObject({ name: "add", input: { a: 2, b: 40 } });
  });

  it("sends errors with the real JSON shape and request-id header", async () => {
    const err = await client({ apiKey: "invalid-key" })
      .messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect(e.apiMessage).toBe("invalid x-api-key");
    expect(e.requestID).toMatch(/^req_/);
  });

  it("rejects a poisoned history like the API does", async () => {
    const err = await client()
      .messages.create({
        model: "m",
        max_tokens: 10,
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "add", input: {} }] },
          { role: "user", content: "again" },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.APIError>).apiMessage).toMatch(/tool_use.*without.*tool_result/);
  });

  it("lets the SDK retry on retry-after-ms", async () => {
    mock.reset();
    mock.script(
      { status: 429, error: { type: "rate_limit_error", message: "slow down" }, headers: { "retry-after-ms": "20" } },
      { text: "ok now" },
    );
    const res = await client({ maxRetries: 2 }).messages.create({
      model: "m",
      max_tokens: 10,
      messages: [{ role: "user", content: "x" }],
    });
    expect((res.content[0] as { text: string }).text).toBe("ok now");
    expect(mock.messageRequests()).toHaveLength(2);
  });

  it("default triggers: hostile and markdown replies, fail once then succeed", async () => {
    const ask = (content: string) =>
      client().messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content }] });
    const hostile = ((await ask("show me something hostile")).content[0] as { text: string }).text;
    expect(hostile).toContain("<script>window.__pwned=1</script>");
    expect(hostile).toContain('<img src=x onerror="window.__pwned=1">');
    expect(hostile).toContain("[click](javascript:window.__pwned=1)");
    const markdown = ((await ask("some markdown please")).content[0] as { text: string }).text;
    expect(markdown).toMatch(/^# Heading one/);
    expect(markdown).toContain("```ts");
    const error = await ask("this should fail").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(((await ask("this should fail")).content[0] as { text: string }).text).toBe(
      'You said: "this should fail". This is the mock assistant.',
    );
  });

  it("serves count_tokens and models", async () => {
    const count = await client().messages.countTokens({
      model: "m",
      messages: [{ role: "user", content: "hello there" }],
    });
    expect(count.input_tokens).toBeGreaterThan(0);
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toContain("claude-sonnet-5-5");
  });

  it("runs as a separate process that prints its URL and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/mock-anthropic/cli.ts"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`exited ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await new Anthropic({ apiKey: "k", baseURL: url, maxRetries: 0 }).messages.create({
        model: "m",
        max_tokens: 10,
        messages: [{ role: "user", content: "I am alice" }],
      });
      expect((res.content[0] as { text: string }).text).toMatch(/^Hello alice!/);
      const recorded = (await (await fetch(`${url}/__mock/requests`)).json()) as Array<{
        body: { messages: unknown[] };
      }>;
      expect(recorded[0].body.messages).toHaveLength(1);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
