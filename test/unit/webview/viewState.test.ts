// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import { hostMessage } from "../../../src/protocol/messages";
import type { ChatMessageView, ChatSnapshot, PersistedViewState } from "../../../src/protocol/types";
import { ChatApp } from "../../../src/webview/app";
import { CACHE_MAX_CHARS, cacheOf, readCache, readStrings, type CachedThread } from "../../../src/webview/viewState";
import { testStrings } from "./strings";
import { snapshotOf, WebviewHost } from "./host";

const strings = testStrings;

type Saved = PersistedViewState & { cache?: CachedThread };

function turns(n: number, from = 0): ChatMessageView[] {
  const out: ChatMessageView[] = [];
  for (let i = from; i < from + n; i++) {
    out.push({ id: `u${i}`, role: "user", text: `question ${i}` });
    out.push({ id: `a${i}`, role: "assistant", text: `**answer** ${i}` });
  }
  return out;
}

const snapshot = (over: Partial<ChatSnapshot> = {}): ChatSnapshot => snapshotOf(strings, over);

/** A page load: the host's HTML names the open thread and carries the strings; then the script starts. */
function load(host: WebviewHost<Saved>, openThread = "t1"): ChatApp {
  document.body.innerHTML = "";
  const root = document.createElement("div");
  root.id = "app";
  root.dataset.openThread = openThread;
  // As the host writes the page: its strings include the tool rows' groups.
  root.dataset.strings = JSON.stringify(strings);
  document.body.append(root);
  const app = new ChatApp(root, host);
  app.start();
  return app;
}

const ids = () =>
  Array.from(document.querySelectorAll<HTMLElement>("#messages .message")).map((el) => el.dataset.messageId);
const composer = () => document.querySelector<HTMLTextAreaElement>("#composer")!;

describe("what the chat view remembers between loads", () => {
  beforeEach(() => document.body.replaceChildren());

  it("remembers the newest messages, bounded in count and size, and nothing when pinned past the bound", () => {
    const thread = turns(100);
    const pinned = cacheOf("t1", thread, undefined)!;
    expect(pinned.messages.length).toBeLessThan(thread.length);
    expect(pinned.messages.at(-1)!.id).toBe("a99");
    expect(pinned.messages.length).toBeGreaterThanOrEqual(20);
    // A huge newest reply alone is over the bound: nothing is remembered (the reload waits for the host).
    const huge = [...thread, { id: "big", role: "assistant" as const, text: "x".repeat(CACHE_MAX_CHARS + 1) }];
    expect(cacheOf("t1", huge, undefined)).toBeUndefined();
    // Scrolled up: from the message before the anchor to the end, or nothing when the anchor is too far back.
    const anchored = cacheOf("t1", thread, "u95")!;
    expect(anchored.messages[0]!.id).toBe("a94");
    expect(cacheOf("t1", thread, "u10")).toBeUndefined();
    // Size counts too: long replies leave fewer messages.
    const long = thread.map((m) => ({ ...m, text: m.text.padEnd(20_000, ".") }));
    const fewer = cacheOf("t1", long, undefined)!;
    expect(fewer.messages.reduce((n, m) => n + m.text.length, 0)).toBeLessThanOrEqual(CACHE_MAX_CHARS);
    expect(fewer.messages.length).toBe(Math.floor(CACHE_MAX_CHARS / 20_000));
  });

  it("reads back only a well-formed remembered thread, and only a complete set of strings", () => {
    expect(readCache({ cache: { threadId: "t1", messages: turns(1) } })?.messages).toHaveLength(2);
    expect(readCache({ cache: { threadId: "t1", messages: [{ id: "x", role: "user" }] } })).toBeUndefined();
    expect(readCache({ cache: { threadId: 5, messages: turns(1) } })).toBeUndefined();
    expect(readCache({ threadId: "t1" })).toBeUndefined();
    expect(readCache(null)).toBeUndefined();
    expect(readStrings(JSON.stringify(strings))).toEqual(strings);
    // As the host writes them: with the tool rows' strings, a group holding a group (the statuses).
    expect(strings.tools.toolStatus.ok).toBeTypeOf("string");
    expect(readStrings("{not json")).toBeUndefined();
    expect(readStrings(JSON.stringify({ send: 1 }))).toBeUndefined();
    expect(readStrings(JSON.stringify({ send: "Send", tools: { toolStatus: { ok: 1 } } }))).toBeUndefined();
    expect(readStrings(JSON.stringify({ send: ["Send"] }))).toBeUndefined();
  });

  it("after a reload paints the remembered history where the user left it, before the host answers; the snapshot then takes over", () => {
    const host = new WebviewHost<Saved>();
    let app = load(host);
    app.receive(hostMessage("snapshot", snapshot({ messages: turns(30), draft: "half a thought" })));
    expect(host.state?.cache?.threadId).toBe("t1");
    // A turn completes: the remembered messages follow.
    app.receive(hostMessage("replaceTail", { threadId: "t1", afterId: "a29", messages: turns(1, 30) }));
    expect(host.state?.cache?.messages.at(-1)!.id).toBe("a30");

    // Reload: the history is there before any host message, Send waits for the snapshot.
    app = load(host);
    expect(app.paintedEarly).toBe(true);
    expect(ids().at(-1)).toBe("a30");
    expect(ids()).toContain("u30");
    expect(composer().value).toBe("half a thought");
    expect(document.querySelector<HTMLButtonElement>("#send-button")!.disabled).toBe(true);
    expect(host.posted.at(-1)).toMatchObject({
      type: "ready",
      params: { state: { threadId: "t1", draft: "half a thought" } },
    });
    // The user types on while the host reads the store; the snapshot neither repeats the draft nor drops the rest.
    composer().value = "half a thought, finished";
    app.receive(
      hostMessage("snapshot", snapshot({ messages: [...turns(31), ...turns(1, 31)], draft: "half a thought" })),
    );
    expect(app.paintedEarly).toBe(false);
    expect(ids().at(-1)).toBe("a31");
    expect(app.list.count).toBe(64);
    expect(composer().value).toBe("half a thought, finished");
    expect(document.querySelector<HTMLButtonElement>("#send-button")!.disabled).toBe(false);
  });

  it("paints nothing remembered when the host opens another thread, or when the anchor is not remembered", () => {
    const host = new WebviewHost<Saved>();
    const app = load(host);
    app.receive(hostMessage("snapshot", snapshot({ messages: turns(3) })));
    // The open thread changed while the view was away (deleted, another window): wait for the host's snapshot.
    expect(load(host, "t2").paintedEarly).toBe(false);
    expect(ids()).toEqual([]);
    // Scrolled to a message the remembered part does not hold: the host's snapshot brings it.
    host.state = { ...host.state!, anchor: { messageId: "elsewhere", offset: -10 }, scrollFromBottom: 400 };
    expect(load(host).paintedEarly).toBe(false);
    expect(ids()).toEqual([]);
    // Back at the bottom, the same page paints at once; a page without the host's strings (an older host) does not.
    host.state = { ...host.state!, anchor: undefined, scrollFromBottom: 0 };
    expect(load(host).paintedEarly).toBe(true);
    const bare = document.getElementById("app")!;
    delete bare.dataset.strings;
    document.body.innerHTML = "";
    document.body.append(bare);
    bare.replaceChildren();
    const plain = new ChatApp(bare, host);
    plain.start();
    expect(plain.paintedEarly).toBe(false);
  });
});
