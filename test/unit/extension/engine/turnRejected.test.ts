/**
 * The extension's thread services surface a refused turn (ThreadService "rejected") as a TurnRejectedError with the text
 * back, never as a silent success: two windows (two real FileSavers on one directory) on one thread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../../src/checkpoint/file";
import { ThreadServices } from "../../../../src/extension/engine/threadServices";
import { readSettings } from "../../../../src/extension/settings/settings";
import { toErrorView } from "../../../../src/extension/chat/view/messageView";
import { TurnRejectedError } from "../../../../src/extension/chat/turns/turnErrors";
import type { ChatEvent } from "../../../../src/extension/engine/backend";
import { startMockAnthropic } from "../../../fixtures/mock-anthropic/server";
import type { MockAnthropic } from "../../../fixtures/mock-anthropic/server";

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
  dir = mkdtempSync(join(tmpdir(), "skein-engine-rejected-"));
});
afterEach(async () => {
  for (const saver of savers.splice(0)) await saver.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = () => {
  const saver = new FileSaver(dir, { fsync: false, onWarning: () => undefined });
  savers.push(saver);
  return saver;
};

/** One window: its own FileSaver on the shared directory, through the services the extension uses. */
const windowOn = (settings: ReturnType<typeof readSettings>) =>
  new ThreadServices({
    dirFor: () => dir,
    settings: () => settings,
    apiKey: async () => "test-key",
    createSaver: async () => open(),
  });

describe("ThreadServices: a refused turn", () => {
  it("another window runs a turn on the thread: the send throws TurnRejectedError (THREAD_BUSY) with the text, nothing stored", async () => {
    const settings = readSettings((key) => (key === "baseUrl" ? mock.url : undefined));
    const a = windowOn(settings);
    const b = windowOn(settings);
    const ref = { scope: "here", threadId: "t" };
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    const abort = new AbortController();
    const running = a.runTurn(ref, "slow reply please", {
      signal: abort.signal,
      onEvent: (e) => void (e.type === "token" && started()),
    });
    await streaming;
    const events: ChatEvent[] = [];
    const refused = b.runTurn(ref, "my draft", {
      signal: new AbortController().signal,
      onEvent: (e) => void events.push(e),
    });
    const error = await refused.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TurnRejectedError);
    expect(error).toMatchObject({ code: "THREAD_BUSY", unsentText: "my draft" });
    expect(events.filter((e) => e.type === "message")).toEqual([]);
    // The chat offers no Retry for it (Retry would regenerate the other turn's reply).
    expect(toErrorView(error).actions).toEqual([]);
    abort.abort();
    await running;
    const loaded = await windowOn(settings).loadThread(ref);
    expect(loaded?.messages.map((m) => m.content)).not.toContain("my draft");
  });
});
