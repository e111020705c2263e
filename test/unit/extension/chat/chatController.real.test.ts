/**
 * The extension's host logic on the real layers: ChatController → ThreadServices → FileSaver (one directory per
 * workspace scope) → ChatThreads → AnthropicChatModel → the real SDK → the local mock Messages API server.
 * Only `vscode` is absent (the in-editor suite covers the glue).
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatController } from "../../../../src/extension/chat/chatController";
import { readSettings, type SkeinSettings } from "../../../../src/extension/settings/settings";
import { ThreadServices } from "../../../../src/extension/engine/threadServices";
import { webviewMessage, type HostMessage } from "../../../../src/protocol/messages";
import type { ChatSnapshot, WebviewStrings } from "../../../../src/protocol/types";
import { foldHost } from "./hostFold";
import { startMockAnthropic, type MockAnthropic } from "../../../fixtures/mock-anthropic/server";
import { Memento } from "../../../fixtures/memento";

let mock: MockAnthropic;
let root: string;

beforeAll(async () => {
  mock = await startMockAnthropic({ slowDelayMs: 30 });
  root = await mkdtemp(join(tmpdir(), "skein-ext-"));
});
afterAll(async () => {
  await mock?.close();
  await rm(root, { recursive: true, force: true });
});

function open(options: { key?: string; state?: Memento; settings?: Partial<SkeinSettings> } = {}) {
  const settings: SkeinSettings = {
    ...readSettings(() => undefined),
    baseUrl: mock.url,
    requestTimeoutSeconds: 10,
    ...options.settings,
  };
  const backend = new ThreadServices({
    dirFor: (scope) => join(root, scope),
    settings: () => settings,
    apiKey: async () => ("key" in options ? options.key : "test-key"),
  });
  const posted: HostMessage[] = [];
  const state = options.state ?? new Memento();
  const controller = new ChatController({
    backend,
    scope: "folder-0000000000000001",
    state,
    strings: {} as WebviewStrings,
    runCommand: () => {},
    copyToClipboard: () => {},
  });
  controller.attach({ post: (m) => posted.push(m) });
  /** What the chat shows now: the last snapshot with the changes posted since folded in (as the webview does). */
  const snapshot = (): ChatSnapshot => foldHost(posted);
  return { backend, controller, posted, state, snapshot };
}

describe("extension host on the real store, chat graph and SDK", () => {
  it("chats, lists, resumes in a fresh backend (reload), and keeps threads apart", async () => {
    const state = new Memento();
    const first = open({ state });
    const ref = await first.controller.newThread();
    await first.controller.handleMessage(webviewMessage("send", { threadId: ref.threadId, text: "hi! I'm bob" }));
    expect(first.snapshot().messages.map((m) => [m.role, m.text])).toEqual([
      ["user", "hi! I'm bob"],
      ["assistant", "Hello bob! Nice to meet you. How can I help you today?"],
    ]);
    const threads = await first.backend.listThreads(ref.scope);
    expect(threads).toHaveLength(1);
    expect(threads[0]).toMatchObject({ threadId: ref.threadId, title: "hi! I'm bob", messageCount: 2 });
    await first.backend.close();

    // "Reload": a new backend and controller over the same directory and workspaceState.
    const second = open({ state });
    await second.controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(second.snapshot().threadId).toBe(ref.threadId);
    expect(second.snapshot().messages).toHaveLength(2);
    mock.reset();
    await second.controller.send(second.controller.openRef, "what's my name?");
    expect(second.snapshot().messages.at(-1)?.text).toBe("Your name is bob.");
    const sent = mock.messageRequests().at(-1)!.body.messages as { role: string }[];
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);

    // A new thread knows nothing of bob.
    const other = await second.controller.newThread();
    await second.controller.send(other, "walrus question: what's my name?");
    expect(second.snapshot().messages.at(-1)?.text).toMatch(/don't know your name/);

    // Delete removes it from disk and the catalog; the open thread becomes a new empty one.
    await second.controller.settle(other);
    await second.backend.deleteThread(other);
    await second.controller.threadDeleted(other);
    expect((await second.backend.listThreads(ref.scope)).map((t) => t.threadId)).toEqual([ref.threadId]);
    expect(JSON.stringify(await readdir(join(root, ref.scope), { recursive: true }))).not.toContain(other.threadId);
    // Nothing on disk keeps its text (the catalog is compacted on delete; thread files are removed).
    for (const name of await readdir(join(root, ref.scope), { recursive: true })) {
      const path = join(root, ref.scope, name);
      if ((await stat(path)).isFile()) expect((await readFile(path)).includes("walrus"), path).toBe(false);
    }
    expect(second.snapshot().messages).toEqual([]);
    await second.backend.close();
  });

  it("streams tokens to the webview in batches, and Stop keeps the partial reply marked interrupted", async () => {
    const { controller, posted, snapshot, backend } = open();
    const ref = await controller.newThread();
    const turn = controller.send(ref, "slow please");
    await expect.poll(() => posted.filter((m) => m.type === "tokens").length, { timeout: 10_000 }).toBeGreaterThan(1);
    controller.stop(ref);
    await turn;
    const last = snapshot().messages.at(-1)!;
    expect(last.role).toBe("assistant");
    expect(last.interrupted).toBe(true);
    expect(last.text.length).toBeGreaterThan(0);
    expect(snapshot().error).toBeNull();
    expect(snapshot().interrupted).toBe(true); // Retry offered
    // Retry regenerates the cut-off reply (mock "slow" reply, fast here); the old partial stays in history.
    await controller.retry(ref);
    expect(snapshot().messages.at(-1)).toMatchObject({ role: "assistant" });
    expect(snapshot().messages.at(-1)?.interrupted).toBeFalsy();
    expect(snapshot().interrupted).toBe(false);
    // Batched: fewer token messages than words streamed so far is not guaranteed, but each carries text.
    for (const m of posted.filter((p) => p.type === "tokens"))
      expect((m as Extract<HostMessage, { type: "tokens" }>).params.text).not.toBe("");
    await backend.close();
  });

  it("a missing key is an inline error with Set API Key; after setting one, Retry answers", async () => {
    let key: string | undefined;
    const settings: SkeinSettings = { ...readSettings(() => undefined), baseUrl: undefined, requestTimeoutSeconds: 10 };
    const backend = new ThreadServices({
      dirFor: (scope) => join(root, `nokey-${scope}`),
      settings: () => settings,
      apiKey: async () => key,
    });
    const posted: HostMessage[] = [];
    const controller = new ChatController({
      backend,
      scope: "s",
      state: new Memento(),
      strings: {} as WebviewStrings,
      runCommand: () => {},
      copyToClipboard: () => {},
    });
    controller.attach({ post: (m) => posted.push(m) });
    const ref = await controller.newThread();
    await controller.send(ref, "hello");
    const snap = foldHost(posted);
    expect(snap.error?.actions).toEqual(["setApiKey", "retry"]);
    expect(snap.error?.message).toMatch(/API key/);
    expect(snap.messages.map((m) => m.role)).toEqual(["user"]);
    // The user sets a key (and points at the mock); Retry answers the same turn.
    key = "test-key";
    settings.baseUrl = mock.url;
    await controller.retry(ref);
    const after = foldHost(posted);
    expect(after.error).toBeNull();
    expect(after.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    await backend.close();
  });

  it("a server error shows inline with Retry, and Retry re-runs the failed turn", async () => {
    const { controller, snapshot, backend } = open();
    const ref = await controller.newThread();
    await controller.send(ref, "please fail");
    expect(snapshot().error).toMatchObject({ actions: ["retry"] });
    await controller.retry(ref);
    expect(snapshot().error).toBeNull();
    expect(snapshot().messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    await backend.close();
  });

  it("a turn cut off by a crash shows as interrupted after reload, and Retry completes it", async () => {
    const state = new Memento();
    const first = open({ state });
    const ref = await first.controller.newThread();
    // Simulate the window closing mid-request: the user message is stored, the reply never arrives.
    mock.script({ noResponse: true });
    const turn = first.controller.send(ref, "tell me something");
    await mock.waitFor((reqs) =>
      reqs.some((r) => r.path === "/v1/messages" && JSON.stringify(r.body).includes("tell me something")),
    );
    first.controller.dispose(); // aborts like a closing window
    await turn;
    await first.backend.close();
    mock.reset();

    const second = open({ state });
    await second.controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(second.snapshot().messages.map((m) => m.role)).toEqual(["user"]);
    expect(second.snapshot().interrupted).toBe(true);
    await second.controller.retry(ref);
    expect(second.snapshot().messages.at(-1)).toMatchObject({ role: "assistant" });
    expect(second.snapshot().messages.at(-1)?.interrupted).toBeFalsy();
    expect(second.snapshot().interrupted).toBe(false);
    await second.backend.close();
  });
});
