/**
 * What Skein can store, it exports and imports back byte for byte (real graph, real FileSaver): a title at the
 * limit, tool arguments named `__proto__` and `constructor`, arguments nested to the limit, an export larger
 * than 64 MB. What is over a limit is refused at every door with the same words: Rename, the savers, import.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../../src/checkpoint/file";
import { MemorySaver } from "../../../../src/checkpoint/memory";
import {
  LimitExceededError,
  MAX_NESTING_DEPTH,
  MAX_TITLE_CHARS,
  titleLimitMessage,
} from "../../../../src/checkpoint/limits";
import { createChatGraph } from "../../../../src/chat/chatGraph";
import { ThreadService } from "../../../../src/chat/threadService";
import { exportThreadJson, importThreadJson } from "../../../../src/chat/history/exportImport";
import { ThreadImportError } from "../../../../src/chat/history/exportImportJson";
import type { Message } from "../../../../src/graph/messages";
import { NumberedModel } from "./fakeModel";

let dir: string;
let saver: FileSaver;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "skein-limits-"));
  saver = new FileSaver(dir, { fsync: false, onWarning: () => undefined });
});
afterEach(async () => {
  await saver.close();
  await rm(dir, { recursive: true, force: true });
});

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { d: value };
  return value;
}

async function seed(messages: Message[], title?: string) {
  const graph = createChatGraph({ model: new NumberedModel(), checkpointer: saver });
  await graph.updateState({ configurable: { thread_id: "t" } }, { messages }, "call_model");
  if (title !== undefined) await saver.setThreadInfo("t", { title });
  return { saver, graph };
}

describe("export → import → export is lossless for everything the store takes", () => {
  it("a title at the limit, arguments named __proto__ and constructor, arguments nested as deep as a message may", async () => {
    const args = JSON.parse('{"__proto__":{"polluted":true},"constructor":"c","prototype":{"x":1}}') as Record<
      string,
      unknown
    >;
    // message → tool_calls → call → args → …: the whole message nests exactly MAX_NESTING_DEPTH levels.
    const deep = nested(MAX_NESTING_DEPTH - 3);
    const context = await seed(
      [
        { id: "u1", role: "user", content: "use the tools" },
        {
          id: "a1",
          role: "assistant",
          content: "",
          tool_calls: [
            { id: "c1", name: "odd", args },
            { id: "c2", name: "deep", args: deep },
          ],
        },
        { id: "r1", role: "tool", tool_call_id: "c1", name: "odd", content: "ok" },
        { id: "r2", role: "tool", tool_call_id: "c2", name: "deep", content: "ok" },
      ],
      "T".repeat(MAX_TITLE_CHARS),
    );
    const stored = (await saver.getTuple({ configurable: { thread_id: "t" } }))!.checkpoint.channel_values
      .messages as Message[];
    expect(Object.hasOwn(stored[1]!.tool_calls![0]!.args, "__proto__")).toBe(true);

    const json = await exportThreadJson(context, "t");
    expect(json).toContain('"__proto__": {');
    expect(json).toContain('"constructor": "c"');
    await importThreadJson(context, json, "copy");
    expect(await exportThreadJson(context, "copy")).toBe(json);
    const copied = (await saver.getTuple({ configurable: { thread_id: "copy" } }))!.checkpoint.channel_values
      .messages as Message[];
    const copiedArgs = copied[1]!.tool_calls![0]!.args;
    expect(Object.hasOwn(copiedArgs, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(copiedArgs)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await saver.getThreadInfo("copy"))?.title).toHaveLength(MAX_TITLE_CHARS);
  });

  it("an export over 64 MB imports and exports back identically", { timeout: 120_000 }, async () => {
    const big = (i: number) => `${i} `.padEnd(7_400_000, "lorem ipsum dolor sit amet ");
    const messages: Message[] = [];
    for (let i = 0; i < 10; i++) messages.push({ id: `m${i}`, role: i % 2 ? "assistant" : "user", content: big(i) });
    const context = await seed(messages);
    const json = await exportThreadJson(context, "t");
    expect(Buffer.byteLength(json)).toBeGreaterThan(64 * 1024 * 1024);
    await importThreadJson(context, json, "copy");
    expect((await exportThreadJson(context, "copy")) === json).toBe(true);
  });
});

describe("one title limit at every door", () => {
  const over = "x".repeat(MAX_TITLE_CHARS + 1);

  it("Rename (through the saver), FileSaver, MemorySaver and import refuse a title one character over, with the same message", async () => {
    const threads = new ThreadService({ checkpointer: saver, model: () => new NumberedModel(), tools: [] });
    const threadId = await threads.create();
    const expected = titleLimitMessage(over.length);
    await expect(threads.rename(threadId, over)).rejects.toMatchObject({
      name: "LimitExceededError",
      code: "TITLE_TOO_LONG",
      message: expected,
    });
    await expect(saver.setThreadInfo(threadId, { title: over })).rejects.toBeInstanceOf(LimitExceededError);
    await expect(new MemorySaver().setThreadInfo("m", { title: over })).rejects.toMatchObject({
      code: "TITLE_TOO_LONG",
      message: expected,
    });
    const context = await seed([{ id: "u1", role: "user", content: "hi" }]);
    const json = JSON.parse(await exportThreadJson(context, "t"));
    const error = await importThreadJson(context, JSON.stringify({ ...json, title: over }), "n").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ThreadImportError);
    expect((error as Error).message).toContain(expected);
    // Nothing changed: the title is still the first message's.
    await threads.rename(threadId, "x".repeat(MAX_TITLE_CHARS));
    expect((await saver.getThreadInfo(threadId))?.title).toHaveLength(MAX_TITLE_CHARS);
  });
});
