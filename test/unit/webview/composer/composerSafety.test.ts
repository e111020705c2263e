// @vitest-environment jsdom
/**
 * The composer never loses what the user typed: across a thread switch (announced or not, before or after the
 * snapshot), a reload (debounced draft flushed on blur / hide), an over-long message or saved draft, and a send
 * the host refused. And nothing is sent to a thread the user no longer sees.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { hostMessage, isWebviewMessage, MAX_INPUT_CHARS, type HostMessage } from "../../../../src/protocol/messages";
import type { ChatSnapshot, PersistedViewState, WebviewStrings } from "../../../../src/protocol/types";
import { ChatApp } from "../../../../src/webview/app";
import { testStrings } from "../strings";
import { snapshotOf, WebviewHost } from "../host";

const strings: WebviewStrings = {
  ...testStrings,
  tooLong: "This message has {0} characters; the limit is {1}. Shorten it and send again — it is kept here.",
};

const snapshot = (over: Partial<ChatSnapshot> = {}): ChatSnapshot => snapshotOf(strings, over);

function setup(initial?: PersistedViewState) {
  document.body.innerHTML = '<div id="app"></div>';
  const host = new WebviewHost(initial);
  const app = new ChatApp(document.getElementById("app")!, host);
  const receive = (m: HostMessage) => app.receive(m);
  const composer = app.composer;
  const type = (text: string) => {
    composer.value += text;
    composer.dispatchEvent(new Event("input"));
  };
  const enter = () =>
    composer.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
  return { host, app, receive, composer, type, enter };
}

describe("composer safety", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("New Thread then typing at once: the old draft is saved under the old thread, Send waits for the new thread's snapshot, what was typed is kept", () => {
    const { host, app, receive, composer, type, enter } = setup();
    receive(hostMessage("snapshot", snapshot({ threadId: "old" })));
    type("old draft");
    receive(hostMessage("opening", { threadId: "new" }));
    expect(host.of("draft")).toEqual([{ threadId: "old", text: "old draft" }]);
    expect(composer.value).toBe("");
    type("hello");
    enter();
    expect(host.of("send")).toEqual([]); // never to "old", which the user has left
    expect(composer.value).toBe("hello");
    expect(app.sendButton.disabled).toBe(true);
    expect(app.notice.hidden).toBe(false);
    receive(hostMessage("snapshot", snapshot({ threadId: "new", draft: "", focus: true })));
    expect(composer.value).toBe("hello");
    expect(app.notice.hidden).toBe(true);
    expect(host.of("draft").at(-1)).toEqual({ threadId: "new", text: "hello" });
    expect(app.sendButton.disabled).toBe(false);
    vi.runAllTimers();
    expect(host.of("draft").filter((d) => d.threadId === "old")).toEqual([{ threadId: "old", text: "old draft" }]);
    enter();
    expect(host.of("send")).toEqual([{ threadId: "new", text: "hello" }]);
  });

  it("typing before the first snapshot (focusInput while the view was hidden) joins the thread's draft instead of being wiped", () => {
    const a = setup();
    a.receive(hostMessage("focusInput", {}));
    a.type("typed early");
    a.enter();
    expect(a.host.of("send")).toEqual([]);
    a.receive(hostMessage("snapshot", snapshot({ threadId: "t9", draft: "" })));
    expect(a.composer.value).toBe("typed early");
    const b = setup();
    b.type("more");
    b.receive(hostMessage("snapshot", snapshot({ threadId: "t9", draft: "stored" })));
    expect(b.composer.value).toBe("stored\nmore");
    expect(b.host.of("draft")).toEqual([{ threadId: "t9", text: "stored\nmore" }]);
  });

  it("an unannounced switch posts the pending draft under the old thread, never later under the new one", () => {
    const { host, receive, composer, type } = setup();
    receive(hostMessage("snapshot", snapshot({ threadId: "a" })));
    type("last keys");
    receive(hostMessage("snapshot", snapshot({ threadId: "b", draft: "b's draft" })));
    expect(host.of("draft")).toEqual([{ threadId: "a", text: "last keys" }]);
    expect(composer.value).toBe("b's draft");
    vi.runAllTimers();
    expect(host.of("draft")).toEqual([{ threadId: "a", text: "last keys" }]);
  });

  it("the debounced draft is flushed on blur, pagehide and when the view is hidden", () => {
    const { host, receive, composer, type } = setup();
    receive(hostMessage("snapshot", snapshot()));
    type("one");
    composer.dispatchEvent(new Event("blur"));
    expect(host.of("draft")).toEqual([{ threadId: "t1", text: "one" }]);
    type(" two");
    window.dispatchEvent(new Event("pagehide"));
    expect(host.of("draft").at(-1)).toEqual({ threadId: "t1", text: "one two" });
    type(" three");
    const visibility = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    document.dispatchEvent(new Event("visibilitychange"));
    visibility.mockRestore();
    expect(host.of("draft").at(-1)).toEqual({ threadId: "t1", text: "one two three" });
    vi.runAllTimers();
    expect(host.of("draft")).toHaveLength(3); // nothing left pending
  });

  it("a message over the limit is not sent: it stays in the composer with a clear note, no pending bubble", () => {
    const { host, app, receive, composer, enter } = setup();
    receive(hostMessage("snapshot", snapshot()));
    composer.value = "x".repeat(MAX_INPUT_CHARS + 1);
    enter();
    expect(host.of("send")).toEqual([]);
    expect(composer.value.length).toBe(MAX_INPUT_CHARS + 1);
    expect(app.notice.hidden).toBe(false);
    expect(app.notice.textContent).toContain("1,000,001");
    expect(document.querySelector(".message")).toBeNull();
    expect(app.stopButton.hidden).toBe(true);
    // A draft post is kept within the limit so the host's guard accepts it.
    composer.dispatchEvent(new Event("input"));
    vi.runAllTimers();
    const draft = host.posted.find((m) => m.type === "draft")!;
    expect(isWebviewMessage(draft)).toBe(true);
  });

  it("an over-long saved draft is cut before ready (so ready passes the guard) and the user is told", () => {
    const { host, app, receive } = setup({ threadId: "t1", draft: "y".repeat(MAX_INPUT_CHARS + 10) });
    app.start();
    const ready = host.posted[0]!;
    expect(isWebviewMessage(ready)).toBe(true);
    expect((ready.params as { state: PersistedViewState }).state.draft!.length).toBe(MAX_INPUT_CHARS);
    receive(hostMessage("snapshot", snapshot({ draft: "y".repeat(MAX_INPUT_CHARS) })));
    expect(app.notice.hidden).toBe(false);
    expect(app.notice.textContent).toContain("1,000,000");
  });

  it("a send the host refused comes back: pending bubble gone, text in the composer, the reason shown", () => {
    const { host, app, receive, composer, type, enter } = setup();
    receive(hostMessage("snapshot", snapshot()));
    type("my question");
    enter();
    expect(host.of("send")).toHaveLength(1);
    expect(composer.value).toBe("");
    type("typed after");
    receive(hostMessage("notice", { threadId: "t1", message: "A reply is still running", draft: "my question" }));
    expect(composer.value).toBe("my question\ntyped after");
    expect(document.querySelector('.message[data-role="user"]')).toBeNull();
    expect(app.notice.textContent).toBe("A reply is still running");
    expect(host.of("draft").at(-1)).toEqual({ threadId: "t1", text: "my question\ntyped after" });
    // A notice for another thread is not applied here.
    receive(hostMessage("notice", { threadId: "other", message: "x", draft: "not mine" }));
    expect(composer.value).toBe("my question\ntyped after");
  });

  it("while another thread opens, Retry / Stop on the old list do not act on the new thread", () => {
    const { host, receive } = setup();
    receive(
      hostMessage(
        "snapshot",
        snapshot({ threadId: "old", interrupted: true, messages: [{ id: "u", role: "user", text: "q" }] }),
      ),
    );
    receive(hostMessage("opening", { threadId: "new" }));
    document.querySelector<HTMLButtonElement>(".retry-button")!.click();
    document.querySelector<HTMLButtonElement>("#stop-button")!.click();
    expect(host.of("retry")).toEqual([]);
    expect(host.of("stop")).toEqual([]);
    receive(
      hostMessage(
        "snapshot",
        snapshot({ threadId: "new", interrupted: true, messages: [{ id: "u2", role: "user", text: "q" }] }),
      ),
    );
    document.querySelector<HTMLButtonElement>(".retry-button")!.click();
    expect(host.of("retry")).toEqual([{ threadId: "new" }]);
  });

  it("two switches in a row (or one before the first snapshot) keep what was typed in between", () => {
    const { host, receive, composer, type } = setup();
    receive(hostMessage("opening", { threadId: "a" }));
    type("first ");
    receive(hostMessage("snapshot", snapshot({ threadId: "a" })));
    expect(composer.value).toBe("first ");
    receive(hostMessage("opening", { threadId: "b" }));
    type("typed while b opens");
    receive(hostMessage("opening", { threadId: "c" }));
    expect(composer.value).toBe("typed while b opens");
    receive(hostMessage("snapshot", snapshot({ threadId: "c", draft: "c draft" })));
    expect(composer.value).toBe("c draft\ntyped while b opens");
    expect(host.of("draft").map((d) => d.threadId)).toEqual(["a", "c"]);
  });
});
