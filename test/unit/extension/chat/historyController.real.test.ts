/**
 * Time travel through the extension host on the real layers: ChatController → ThreadServices (history) →
 * FileSaver → ChatThreads → AnthropicChatModel → the real SDK → the local mock Messages API server.
 * Drives the controller with the same webview messages the chat panel posts.
 */
import { mkdtemp, rm } from "node:fs/promises";
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

const SCOPE = "folder-00000000000000f7";
let mock: MockAnthropic;
let root: string;

beforeAll(async () => {
  mock = await startMockAnthropic();
  root = await mkdtemp(join(tmpdir(), "skein-f-ext-"));
});
afterAll(async () => {
  await mock?.close();
  await rm(root, { recursive: true, force: true });
});

function open(state = new Memento()) {
  const settings: SkeinSettings = { ...readSettings(() => undefined), baseUrl: mock.url, requestTimeoutSeconds: 10 };
  const backend = new ThreadServices({
    dirFor: (scope) => join(root, scope),
    settings: () => settings,
    apiKey: async () => "test-key",
  });
  const posted: HostMessage[] = [];
  const controller = new ChatController({
    backend,
    scope: SCOPE,
    state,
    strings: {} as WebviewStrings,
    runCommand: () => {},
    copyToClipboard: () => {},
  });
  controller.attach({ post: (m) => posted.push(m) });
  const snapshots = () =>
    posted.filter((m): m is Extract<HostMessage, { type: "snapshot" }> => m.type === "snapshot").map((m) => m.params);
  /** What the chat shows now: the last snapshot with the changes posted since folded in (as the webview does). */
  const snapshot = (): ChatSnapshot => foldHost(posted);
  const shown = () =>
    snapshot().messages.map((m) => `${m.text}${m.siblings ? ` [${m.siblings.index + 1}/${m.siblings.count}]` : ""}`);
  return { backend, controller, posted, state, snapshot, snapshots, shown };
}

describe("edit, regenerate, branch switching and fork in the extension host", () => {
  it("works end to end from webview messages, survives reload, and feeds search and export", async () => {
    const state = new Memento();
    const first = open(state);
    const ref = await first.controller.newThread();
    const post = (message: Parameters<typeof first.controller.handleMessage>[0]) =>
      first.controller.handleMessage(message);
    mock.script({ text: "Answer one." }, { text: "Answer two." });
    await post(webviewMessage("send", { threadId: ref.threadId, text: "Question one" }));
    await post(webviewMessage("send", { threadId: ref.threadId, text: "Question two" }));
    expect(first.shown()).toEqual(["Question one", "Answer one.", "Question two", "Answer two."]);
    const [, , q2, a2] = first.snapshot().messages;

    // Edit: the chat first drops to the messages before the edited one, then streams the new branch.
    mock.script({ text: "Answer to the edit." });
    const before = first.posted.length;
    await post(webviewMessage("edit", { threadId: ref.threadId, messageId: q2!.id, text: "Question two, edited" }));
    // The first change drops the list to the messages before the edited one (a change, not a snapshot).
    const prefix = first.posted.slice(before).find((m) => m.type === "replaceTail");
    expect(prefix?.params).toEqual({ threadId: ref.threadId, afterId: first.snapshot().messages[1]!.id, messages: [] });
    expect(first.posted.slice(before).some((m) => m.type === "snapshot")).toBe(false);
    expect(first.posted.some((m) => m.type === "tokens")).toBe(true);
    expect(first.shown()).toEqual(["Question one", "Answer one.", "Question two, edited [2/2]", "Answer to the edit."]);
    // The model got the edited branch's history only.
    expect(JSON.stringify(mock.messageRequests().at(-1)!.body)).not.toContain('Question two"');

    mock.script({ text: "Regenerated answer." });
    await post(webviewMessage("regenerate", { threadId: ref.threadId, messageId: first.snapshot().messages[3]!.id }));
    expect(first.shown()).toEqual([
      "Question one",
      "Answer one.",
      "Question two, edited [2/2]",
      "Regenerated answer. [2/2]",
    ]);

    await post(
      webviewMessage("switchBranch", { threadId: ref.threadId, messageId: first.snapshot().messages[2]!.id, index: 0 }),
    );
    expect(first.shown()).toEqual(["Question one", "Answer one.", "Question two [1/2]", "Answer two."]);
    expect((await first.backend.listThreads(SCOPE)).find((t) => t.threadId === ref.threadId)?.messageCount).toBe(4);
    await first.backend.close();

    // Reload: a new backend and controller over the same store show the same branch with its switcher.
    const second = open(state);
    await second.controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(second.shown()).toEqual(["Question one", "Answer one.", "Question two [1/2]", "Answer two."]);

    // Search finds text on the branch not shown; opening the hit switches to it and reveals the message.
    const history = second.backend.history;
    const found = await history.search([SCOPE], "regenerated");
    expect(found.hits).toHaveLength(1);
    await second.controller.openAt(found.hits[0]!.ref, found.hits[0]!.messageId);
    expect(second.shown()).toEqual([
      "Question one",
      "Answer one.",
      "Question two, edited [2/2]",
      "Regenerated answer. [2/2]",
    ]);
    expect(second.posted.at(-1)).toEqual({
      type: "revealMessage",
      params: { threadId: ref.threadId, messageId: found.hits[0]!.messageId },
    });

    // Fork from the first answer: a new thread, opened, with history up to there; the original is untouched.
    await second.controller.handleMessage(
      webviewMessage("fork", { threadId: ref.threadId, messageId: second.snapshot().messages[1]!.id }),
    );
    const fork = second.controller.openRef;
    expect(fork.threadId).not.toBe(ref.threadId);
    expect(second.shown()).toEqual(["Question one", "Answer one."]);
    const threads = await second.backend.listThreads(SCOPE);
    expect(threads.find((t) => t.threadId === fork.threadId)).toMatchObject({
      title: "Question one (fork)",
      messageCount: 2,
    });

    // Export → import → export, through the backend the commands use.
    const json = await history.exportThread(ref, "json");
    const imported = await history.importThread(SCOPE, json);
    expect(await history.exportThread({ scope: SCOPE, threadId: imported }, "json")).toBe(json);
    await expect(history.importThread(SCOPE, '{"format":"skein-thread","version":1}')).rejects.toMatchObject({
      name: "ThreadImportError",
    });
    expect((await second.backend.listThreads(SCOPE)).length).toBe(threads.length + 1);
    // a2 is still there, one switch away: nothing was lost.
    expect(JSON.parse(json).messages.map((n: { message: { id: string } }) => n.message.id)).toContain(a2!.id);
    await second.backend.close();
  });
});
