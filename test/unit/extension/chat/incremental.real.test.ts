/**
 * After every turn and branch operation the host sends changes (messages, tokens, replaceTail, status, error),
 * not a snapshot. This checks that the chat those changes build is the chat a fresh snapshot paints: two real
 * webviews (ChatApp in jsdom), one fed everything the host posted, one fed only a fresh snapshot, compared by
 * their message lists, the DOM of the newest messages and the error/interrupted chrome. Real layers throughout:
 * ChatController → ThreadServices → FileSaver → ThreadService → the SDK → the local mock Messages API server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JSDOM } from "jsdom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatController } from "../../../../src/extension/chat/chatController";
import { readSettings, type SkeinSettings } from "../../../../src/extension/settings/settings";
import { ThreadServices } from "../../../../src/extension/engine/threadServices";
import { hostMessage, webviewMessage, type HostMessage, type WebviewMessage } from "../../../../src/protocol/messages";
import type { WebviewStrings } from "../../../../src/protocol/types";
import { ThreadService } from "../../../../src/chat/threadService";
import { ChatApp } from "../../../../src/webview/app";
import { NumberedModel } from "../../chat/history/fakeModel";
import { startMockAnthropic, type MockAnthropic } from "../../../fixtures/mock-anthropic/server";
import { Memento } from "../../../fixtures/memento";
import { testStrings } from "../../webview/strings";

const strings: WebviewStrings = testStrings;
const SCOPE = "folder-00000000000000e1";
let mock: MockAnthropic;
let root: string;
let dom: JSDOM;

beforeAll(async () => {
  mock = await startMockAnthropic();
  root = await mkdtemp(join(tmpdir(), "skein-g-incr-"));
  dom = new JSDOM("<!DOCTYPE html><body></body>", { pretendToBeVisual: true });
  // DOMPurify (markdown.ts) binds to the global window, as in the webview.
  Object.assign(globalThis, { window: dom.window });
});
afterAll(async () => {
  await mock?.close();
  await rm(root, { recursive: true, force: true });
  Reflect.deleteProperty(globalThis, "window");
});

/** A webview of its own (ChatApp looks its parts up by id in its document). */
function webview() {
  const own = new JSDOM('<!DOCTYPE html><div id="app"></div>', { pretendToBeVisual: true });
  const element = own.window.document.getElementById("app")!;
  const requests: WebviewMessage[] = [];
  const app = new ChatApp(element, {
    postMessage: (m) => requests.push(m),
    getState: () => undefined,
    setState: () => {},
  });
  return { app, element, requests };
}

/** What a person sees: the message list, the newest rendered messages' DOM, and the chrome. */
function painted(view: ReturnType<typeof webview>, newest: number) {
  const articles = [...view.element.querySelectorAll<HTMLElement>("article.message")];
  return {
    messages: view.app.list.views().map((m) => ({ ...m })),
    dom: articles.slice(-newest).map((el) => el.outerHTML),
    error: view.element.querySelector("#chat-error")?.outerHTML ?? null,
    interrupted: view.element.querySelector("#interrupted-notice")?.outerHTML ?? null,
    streaming: view.app.stopButton.hidden === false,
  };
}

function open() {
  const settings: SkeinSettings = { ...readSettings(() => undefined), baseUrl: mock.url, requestTimeoutSeconds: 10 };
  const backend = new ThreadServices({
    dirFor: (scope) => join(root, scope),
    settings: () => settings,
    apiKey: async () => "test-key",
  });
  const posted: HostMessage[] = [];
  const live = webview();
  const controller = new ChatController({
    backend,
    scope: SCOPE,
    state: new Memento(),
    strings,
    runCommand: () => {},
    copyToClipboard: () => {},
  });
  controller.attach({
    post: (m) => {
      posted.push(m);
      live.app.receive(JSON.parse(JSON.stringify(m))); // what crosses postMessage is a copy
    },
  });
  /** The live webview equals one painted from a fresh snapshot of the store. */
  const expectSameAsFresh = async () => {
    const fresh = webview();
    fresh.app.receive(
      JSON.parse(JSON.stringify(hostMessage("snapshot", await controller.buildSnapshot(controller.openRef)))),
    );
    const rendered = fresh.element.querySelectorAll("article.message").length;
    expect(painted(live, rendered)).toEqual(painted(fresh, rendered));
    expect(live.requests.filter((r) => r.type === "ready")).toEqual([]); // never out of step
  };
  const snapshotsSince = (n: number) => posted.slice(n).filter((m) => m.type === "snapshot").length;
  return { backend, controller, posted, live, expectSameAsFresh, snapshotsSince };
}

describe("incremental chat updates equal a fresh snapshot", () => {
  it("plain turns, Stop, error + Retry, edit, regenerate and branch switch", async () => {
    const { backend, controller, posted, live, expectSameAsFresh, snapshotsSince } = open();
    const ref = await controller.newThread();
    const post = (m: WebviewMessage) => controller.handleMessage(m);
    const since = posted.length;
    const views = () => live.app.list.views();

    // Plain turns (the webview's optimistic pending message is replaced by the stored one).
    mock.script({ text: "Answer **one**." }, { text: "Answer two." });
    live.app.composer.value = "Question one";
    live.app.send();
    await post(webviewMessage("send", { threadId: ref.threadId, text: "Question one" }));
    await expectSameAsFresh();
    await post(webviewMessage("send", { threadId: ref.threadId, text: "Question two" }));
    await expectSameAsFresh();
    expect(views().map((m) => m.text)).toEqual(["Question one", "Answer **one**.", "Question two", "Answer two."]);

    // Stop mid-stream: the partial reply is stored as interrupted; the chat offers Retry.
    const started = posted.length;
    const turn = controller.send(ref, "slow please");
    await expect
      .poll(() => posted.slice(started).filter((m) => m.type === "tokens").length, { timeout: 10_000 })
      .toBeGreaterThan(1);
    controller.stop(ref);
    await turn;
    await expectSameAsFresh();
    expect(views().at(-1)).toMatchObject({ role: "assistant", interrupted: true });
    expect(live.element.querySelector("#interrupted-notice")).not.toBeNull();
    // Retry regenerates the cut-off reply (a fork): the chat shows the new reply in its place.
    await controller.retry(ref);
    await expectSameAsFresh();
    expect(views().at(-1)?.interrupted).toBeFalsy();
    expect(views().at(-1)?.siblings).toEqual({ index: 1, count: 2 }); // the cut-off reply is one switch away

    // A failed turn shows inline; Retry re-runs it.
    await post(webviewMessage("send", { threadId: ref.threadId, text: "please fail" }));
    await expectSameAsFresh();
    expect(live.element.querySelector("#chat-error")).not.toBeNull();
    await post(webviewMessage("retry", { threadId: ref.threadId }));
    await expectSameAsFresh();
    expect(live.element.querySelector("#chat-error")).toBeNull();

    // Edit the second question: its branch replaces the rest of the list; "‹ 2/2 ›" on the edited message.
    const q2 = views()[2]!;
    mock.script({ text: "Answer to the edit." });
    await post(webviewMessage("edit", { threadId: ref.threadId, messageId: q2.id, text: "Question two, edited" }));
    await expectSameAsFresh();
    expect(views().map((m) => m.text)).toEqual([
      "Question one",
      "Answer **one**.",
      "Question two, edited",
      "Answer to the edit.",
    ]);
    expect(views()[2]!.siblings).toEqual({ index: 1, count: 2 });

    // Regenerate the first answer.
    mock.script({ text: "Another first answer." });
    await post(webviewMessage("regenerate", { threadId: ref.threadId, messageId: views()[1]!.id }));
    await expectSameAsFresh();
    expect(views().map((m) => m.text)).toEqual(["Question one", "Another first answer."]);
    expect(views()[1]!.siblings).toEqual({ index: 1, count: 2 });

    // Switch back to the first answer: its whole continuation comes back, counters included.
    await post(webviewMessage("switchBranch", { threadId: ref.threadId, messageId: views()[1]!.id, index: 0 }));
    await expectSameAsFresh();
    expect(views()[1]).toMatchObject({ text: "Answer **one**.", siblings: { index: 0, count: 2 } });
    expect(views()[2]!.siblings).toEqual({ index: 1, count: 2 });
    await post(webviewMessage("switchBranch", { threadId: ref.threadId, messageId: views()[2]!.id, index: 0 }));
    await expectSameAsFresh();
    expect(views()[2]).toMatchObject({ text: "Question two", siblings: { index: 0, count: 2 } });

    // Only the newThread snapshot was sent; everything after it went as changes.
    expect(snapshotsSince(since)).toBe(0);
    await backend.close();
  });

  it("a thread forked without the catalog's mark gets its counters right after the first paint", async () => {
    const first = open();
    const ref = await first.controller.newThread();
    mock.script({ text: "First answer." });
    await first.controller.send(ref, "Question");
    // A Retry by another client of the store (the chat layer itself): it forks without marking the catalog.
    const threads = new ThreadService({ checkpointer: await first.backend.saver(SCOPE), model: new NumberedModel() });
    expect((await threads.retry(ref.threadId)).status).toBe("completed");
    await first.backend.close();

    // A fresh window: the open path does not probe (it would read every checkpoint); the probe after the paint does.
    const second = open();
    await second.controller.openThread(ref);
    expect(second.posted.filter((m) => m.type === "snapshot")[0]!.params).toMatchObject({
      messages: [{ text: "Question" }, { text: expect.stringMatching(/^reply 1/) }],
    });
    await expect
      .poll(() => second.live.app.list.views().at(-1)?.siblings, { timeout: 10_000 })
      .toEqual({ index: 1, count: 2 });
    await second.expectSameAsFresh();
    await second.backend.close();
  });
});
