/**
 * The seed scenario across processes: thread "1" says "hi! I'm bob"; a NEW process over the same
 * FileSaver store asks "what's my name?" and the whole history goes to the API; thread "2" sends none of it.
 * Real SDK → the mock server, which records every request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startMockAnthropic } from "../../fixtures/mock-anthropic/server";
import type { MockAnthropic } from "../../fixtures/mock-anthropic/server";
import { FileSaver } from "../../../src/checkpoint/file";

const run = promisify(execFile);
let mock: MockAnthropic;
let store: string;

beforeAll(async () => {
  mock = await startMockAnthropic();
  store = await mkdtemp(join(tmpdir(), "skein-seed-"));
});
afterAll(async () => {
  await mock.close();
  await rm(store, { recursive: true, force: true });
});

async function turn(thread: string, text: string): Promise<{ reply: string; messages: number }> {
  const { stdout } = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/unit/chat/fixtures/seedTurn.ts",
      "--store",
      store,
      "--url",
      mock.url,
      "--thread",
      thread,
      "--text",
      text,
    ],
    {
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { reply: string; messages: number };
}

describe("seed scenario across processes over FileSaver", () => {
  it("thread 1 remembers bob in a new process; thread 2 knows nothing", async () => {
    const first = await turn("1", "hi! I'm bob");
    expect(first).toEqual({ reply: "Hello bob! Nice to meet you. How can I help you today?", messages: 2 });

    const second = await turn("1", "what's my name?");
    expect(second).toEqual({ reply: "Your name is bob.", messages: 4 });
    const sent = mock.messageRequests()[1].body;
    expect(sent.system).toBe("You are Skein's test assistant.");
    expect(sent.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hi! I'm bob" }] },
      {
        role: "assistant",
        content: [{ type: "text", text: "Hello bob! Nice to meet you. How can I help you today?" }],
      },
      { role: "user", content: [{ type: "text", text: "what's my name?" }] },
    ]);

    const other = await turn("2", "what's my name?");
    expect(other.reply).toMatch(/don't know your name/);
    expect(mock.messageRequests()[2].body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "what's my name?" }] },
    ]);

    // The catalog, read by yet another saver instance, has both threads with titles and counts.
    const saver = new FileSaver(store);
    try {
      const threads = await saver.listThreads();
      const byId = new Map(threads.map((t) => [t.threadId, t]));
      expect(byId.get("1")).toMatchObject({ title: "hi! I'm bob", metadata: { messageCount: 4 } });
      expect(byId.get("2")).toMatchObject({ title: "what's my name?", metadata: { messageCount: 2 } });
    } finally {
      await saver.close();
    }
  });
});
