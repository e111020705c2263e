/**
 * A turn whose input never reached the store is "rejected", never announced: two windows (two real
 * FileSavers on one directory) on one thread, and a store that fails before the input checkpoint is written.
 * Real runtime, real SDK → mock server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../src/checkpoint/file";
import { ThreadBusyError } from "../../../src/checkpoint/errors";
import type { Checkpoint, CheckpointConfig, CheckpointMetadata, ChannelVersions } from "../../../src/checkpoint/types";
import { ThreadService } from "../../../src/chat/threadService";
import type { ChatEvent } from "../../../src/chat/turns";
import { messagesOf } from "./fixtures/messagesOf";
import { AnthropicChatModel } from "../../../src/model/anthropic";
import { startMockAnthropic } from "../../fixtures/mock-anthropic/server";
import type { MockAnthropic } from "../../fixtures/mock-anthropic/server";

let mock: MockAnthropic;
let dir: string;
const savers: FileSaver[] = [];
beforeAll(async () => {
  mock = await startMockAnthropic({ slowDelayMs: 50 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  dir = mkdtempSync(join(tmpdir(), "skein-rejected-"));
});
afterEach(async () => {
  for (const saver of savers.splice(0)) await saver.close();
  rmSync(dir, { recursive: true, force: true });
});

function window(saver: FileSaver = new FileSaver(dir, { fsync: false, onWarning: () => undefined })) {
  savers.push(saver);
  const model = new AnthropicChatModel({
    apiKey: "test-key",
    baseURL: mock.url,
    model: "claude-sonnet-5-5",
    maxRetries: 0,
  });
  return { saver, threads: new ThreadService({ checkpointer: saver, model: () => model }) };
}

const userEvents = (events: ChatEvent[]) => events.filter((e) => e.type === "message" && e.message.role === "user");

/** A store whose disk "fills up" exactly when the turn's input checkpoint is written. */
class FullDiskSaver extends FileSaver {
  full = true;
  override async put(
    config: CheckpointConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<CheckpointConfig> {
    if (this.full && metadata.source === "input")
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    return super.put(config, checkpoint, metadata, newVersions);
  }
}

describe("ThreadService: a message the thread never stored", () => {
  it("another window runs a turn on the thread: rejected with the text back, nothing announced or stored, no Retry offered", async () => {
    const a = window();
    const b = window();
    const info = { threadId: await a.threads.create() };
    await a.threads.sendMessage(info.threadId, "hello");
    let tokens = 0;
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    const running = a.threads.sendMessage(info.threadId, "slow reply please", {
      onEvent: (e) => {
        if (e.type === "token" && ++tokens === 1) started();
      },
    });
    await streaming;
    // The window running the turn offers no Retry while it runs.
    expect(a.threads.isRunning(info.threadId)).toBe(true);
    expect((await a.threads.load(info.threadId))?.interrupted).toBe(false);

    const events: ChatEvent[] = [];
    const result = await b.threads.sendMessage(info.threadId, "my long draft from window B", {
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe("rejected");
    expect(result.error).toBeInstanceOf(ThreadBusyError);
    expect(result.messages).toEqual([]);
    expect(result.unsent).toEqual([expect.objectContaining({ role: "user", content: "my long draft from window B" })]);
    expect(userEvents(events)).toEqual([]);
    expect(events.filter((e) => e.type === "title")).toEqual([]);

    a.threads.stop(info.threadId);
    expect((await running).status).toBe("cancelled");
    const stored = await messagesOf(window().threads, info.threadId);
    expect(stored.map((m) => m.content)).not.toContain("my long draft from window B");
    expect(stored.filter((m) => m.role === "user").map((m) => m.content)).toEqual(["hello", "slow reply please"]);
    // Once the other window is done, the same text goes through.
    expect((await b.threads.sendMessage(info.threadId, "my long draft from window B")).status).toBe("completed");
  });

  it("a retry refused by another window's turn is rejected too, not failed", async () => {
    const a = window();
    const b = window();
    await a.threads.sendMessage("t", "hello");
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    const running = a.threads.sendMessage("t", "slow reply please", { onToken: () => started() });
    await streaming;
    const result = await b.threads.retry("t");
    expect(result).toMatchObject({ status: "rejected", messages: [] });
    expect(result.error).toBeInstanceOf(ThreadBusyError);
    a.threads.stop("t");
    await running;
  });

  it("the store fails before the input checkpoint is written (disk full): rejected, nothing announced, the thread unchanged", async () => {
    const { saver, threads } = window(new FullDiskSaver(dir, { fsync: false, onWarning: () => undefined }));
    const full = saver as FullDiskSaver;
    const info = { threadId: await threads.create() };
    const events: ChatEvent[] = [];
    const result = await threads.sendMessage(info.threadId, "first words", { onEvent: (e) => events.push(e) });
    expect(result.status).toBe("rejected");
    expect(result.error?.message).toMatch(/ENOSPC/);
    expect(result.unsent?.map((m) => m.content)).toEqual(["first words"]);
    expect(events).toEqual([]);
    expect(mock.requests).toHaveLength(0);
    expect(await messagesOf(threads, info.threadId)).toEqual([]);
    expect((await threads.load(info.threadId))?.interrupted).toBe(false);
    expect((await saver.getThreadInfo(info.threadId))?.title).toBeUndefined();

    full.full = false;
    const retried: ChatEvent[] = [];
    expect((await threads.sendMessage(info.threadId, "first words", { onEvent: (e) => retried.push(e) })).status).toBe(
      "completed",
    );
    expect(userEvents(retried)).toHaveLength(1);
    expect(retried[0]).toMatchObject({ type: "message", message: { role: "user", content: "first words" } });
    expect(retried[1]).toEqual({ type: "title", title: "first words" });
  });

  it("a turn that fails before it is even prepared (the model cannot be resolved) is rejected with the text too", async () => {
    const saver = new FileSaver(dir, { fsync: false, onWarning: () => undefined });
    savers.push(saver);
    const threads = new ThreadService({
      checkpointer: saver,
      model: () => {
        throw new Error("no model configured");
      },
    });
    const events: ChatEvent[] = [];
    const result = await threads.sendMessage("t", "keep me", { onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ status: "rejected", messages: [], error: { message: "no model configured" } });
    expect(result.unsent?.map((m) => m.content)).toEqual(["keep me"]);
    expect(events).toEqual([]);
    expect(await saver.getTuple({ configurable: { thread_id: "t", checkpoint_ns: "" } })).toBeUndefined();
  });
});
