import { describe, expect, it } from "vitest";
import type {
  ChatBackend,
  LoadedThread,
  ThreadRef,
  ThreadSummary,
  TurnOptions,
} from "../../../../src/extension/engine/backend";
import { ChatController } from "../../../../src/extension/chat/chatController";
import { STATE_KEYS, type KeyValueStore } from "../../../../src/extension/chat/stateKeys";

const OPEN_THREAD_KEY = STATE_KEYS.openThread.id;
const DRAFTS_KEY = STATE_KEYS.drafts.id;
import type { Scheduler } from "../../../../src/extension/chat/turns/tokenBatcher";
import { TurnRejectedError } from "../../../../src/extension/chat/turns/turnErrors";
import type { StoredMessage } from "../../../../src/graph/messages";
import { MAX_INPUT_CHARS, webviewMessage, type HostMessage } from "../../../../src/protocol/messages";
import type { ChatSnapshot, WebviewStrings } from "../../../../src/protocol/types";
import { foldHost } from "./hostFold";

/**
 * The controller is tested against a scripted in-memory backend (the real one — store + chat graph + the
 * mock Messages API — is exercised in chatController.real.test.ts). Each turn's behaviour is a script.
 */
type Script = (
  ref: ThreadRef,
  text: string | null,
  options: TurnOptions,
  store: Map<string, StoredMessage[]>,
) => Promise<void>;

class ScriptedBackend implements ChatBackend {
  readonly threads = new Map<string, StoredMessage[]>();
  readonly titles = new Map<string, string>();
  interrupted = new Set<string>();
  script: Script = async () => {};
  private seq = 0;
  private k = (ref: ThreadRef) => `${ref.scope}/${ref.threadId}`;

  async listThreads(scope: string): Promise<ThreadSummary[]> {
    return [...this.threads.keys()]
      .filter((key) => key.startsWith(`${scope}/`))
      .map((key) => ({
        threadId: key.slice(scope.length + 1),
        createdAt: "",
        updatedAt: "",
        messageCount: this.threads.get(key)!.length,
      }));
  }
  async createThread(scope: string): Promise<string> {
    const id = `thread-${++this.seq}`;
    this.threads.set(`${scope}/${id}`, []);
    return id;
  }
  async renameThread(ref: ThreadRef, title: string) {
    this.titles.set(this.k(ref), title);
  }
  async deleteThread(ref: ThreadRef) {
    this.threads.delete(this.k(ref));
  }
  async loadThread(ref: ThreadRef): Promise<LoadedThread | undefined> {
    const messages = this.threads.get(this.k(ref));
    if (!messages) return undefined;
    return {
      title: this.titles.get(this.k(ref)),
      messages: messages.slice(),
      interrupted: this.interrupted.has(this.k(ref)),
    };
  }
  async runTurn(ref: ThreadRef, text: string | null, options: TurnOptions) {
    if (!this.threads.has(this.k(ref))) this.threads.set(this.k(ref), []);
    const store = new Map([[ref.threadId, this.threads.get(this.k(ref))!]]);
    await this.script(ref, text, options, store);
  }
}

/** workspaceState as VS Code keeps it: a JSON-ish key-value store. */
class Memento implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  get<T>(key: string) {
    return this.data.get(key) as T | undefined;
  }
  async update(key: string, value: unknown) {
    this.data.set(key, JSON.parse(JSON.stringify(value)));
  }
}

/** Timers run only when the test says so (the batching interval is not under test; the batching is). */
class ManualScheduler implements Scheduler {
  private tasks = new Map<number, () => void>();
  private n = 0;
  setTimeout(callback: () => void) {
    this.tasks.set(++this.n, callback);
    return this.n;
  }
  clearTimeout(handle: unknown) {
    this.tasks.delete(handle as number);
  }
  runAll() {
    const tasks = [...this.tasks.values()];
    this.tasks.clear();
    for (const task of tasks) task();
  }
}

const strings = {
  send: "Send",
  runInProgress:
    "A reply is still running in this thread — Stop it or wait for it to finish, then send again. Your message is kept in the composer.",
  notAccepted: "That message was not accepted (too large or malformed) and nothing was sent.",
} as unknown as WebviewStrings;

function setup(options: { state?: Memento; backend?: ScriptedBackend } = {}) {
  const backend = options.backend ?? new ScriptedBackend();
  const state = options.state ?? new Memento();
  const posted: HostMessage[] = [];
  const commands: string[] = [];
  const copied: string[] = [];
  const changed: string[] = [];
  const streaming: boolean[] = [];
  const scheduler = new ManualScheduler();
  const controller = new ChatController({
    backend,
    scope: "here",
    state,
    strings,
    runCommand: (c) => commands.push(c),
    copyToClipboard: (t) => void copied.push(t),
    onThreadsChanged: (s) => changed.push(s),
    onStreamingChanged: (s) => streaming.push(s),
    secrets: () => ["sk-ant-very-secret"],
    scheduler,
  });
  controller.attach({ post: (m) => posted.push(m) });
  const of = <T extends HostMessage["type"]>(type: T) =>
    posted.filter((m) => m.type === type) as Extract<HostMessage, { type: T }>[];
  /** What the chat shows now: the last snapshot with the changes posted since folded in (as the webview does). */
  const lastSnapshot = (): ChatSnapshot => foldHost(posted);
  return { backend, state, posted, commands, copied, changed, streaming, scheduler, controller, of, lastSnapshot };
}

const msg = (
  id: string,
  role: StoredMessage["role"],
  content: string,
  metadata?: StoredMessage["metadata"],
): StoredMessage => ({ id, role, content, metadata });

describe("chat controller", () => {
  it("answers ready with a snapshot of the open thread, restoring draft and scroll for that thread", async () => {
    const state = new Memento();
    await state.update(OPEN_THREAD_KEY, { scope: "here", threadId: "t1" });
    const backend = new ScriptedBackend();
    backend.threads.set("here/t1", [msg("u1", "user", "hi"), msg("a1", "assistant", "hello")]);
    const { controller, lastSnapshot } = setup({ state, backend });
    await controller.handleMessage(
      webviewMessage("ready", { state: { threadId: "t1", draft: "half", scrollFromBottom: 300 } }),
    );
    const snap = lastSnapshot();
    expect(snap.threadId).toBe("t1");
    expect(snap.messages.map((m) => [m.id, m.role, m.text])).toEqual([
      ["u1", "user", "hi"],
      ["a1", "assistant", "hello"],
    ]);
    expect(snap.draft).toBe("half");
    expect(snap.scrollFromBottom).toBe(300);
    expect(snap.strings).toBe(strings);
    // A webview state of another thread is not applied to this one.
    await controller.handleMessage(
      webviewMessage("ready", { state: { threadId: "other", draft: "nope", scrollFromBottom: 5 } }),
    );
    expect(lastSnapshot().draft).toBe("");
    expect(lastSnapshot().scrollFromBottom).toBeUndefined();
  });

  it("reads the open thread as soon as the view attaches, and the ready snapshot uses that read once", async () => {
    const state = new Memento();
    await state.update(OPEN_THREAD_KEY, { scope: "here", threadId: "t1" });
    const backend = new ScriptedBackend();
    backend.threads.set("here/t1", [msg("u1", "user", "hi"), msg("a1", "assistant", "hello")]);
    const loads: string[] = [];
    const load = backend.loadThread.bind(backend);
    backend.loadThread = (ref) => {
      loads.push(ref.threadId);
      return load(ref);
    };
    const { controller, lastSnapshot } = setup({ state, backend });
    expect(loads).toEqual(["t1"]);
    await controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(loads).toEqual(["t1"]);
    expect(lastSnapshot().messages).toHaveLength(2);
    await controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(loads).toEqual(["t1", "t1"]);
  });

  it("starts on a fresh, unsaved thread when none was open", async () => {
    const { controller, lastSnapshot, backend } = setup();
    await controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(lastSnapshot().messages).toEqual([]);
    expect(lastSnapshot().threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(backend.threads.size).toBe(0);
  });

  it("New Thread opens an empty thread the store does not know yet, persists it as open, refreshes the tree and focuses the composer", async () => {
    const { controller, lastSnapshot, state, changed, backend } = setup();
    const ref = await controller.newThread();
    // A thread comes into being with its first message: nothing is stored for an empty one.
    expect(backend.threads.size).toBe(0);
    expect(state.get(OPEN_THREAD_KEY)).toEqual(ref);
    expect(changed).toContain("here");
    expect(lastSnapshot()).toMatchObject({ threadId: ref.threadId, focus: true, messages: [] });
    // Focus applies once.
    await controller.openThread(ref);
    expect(lastSnapshot().focus).toBe(false);
  });

  it("New Thread on a thread with nothing in it shows that one again; after a message it opens a fresh one", async () => {
    const { controller, backend, lastSnapshot } = setup();
    const first = await controller.newThread();
    expect(await controller.newThread()).toEqual(first);
    expect(await controller.newThread()).toEqual(first);
    expect(lastSnapshot()).toMatchObject({ threadId: first.threadId, focus: true });
    expect(await backend.listThreads("here")).toEqual([]);
    backend.script = async (_ref, text, { onEvent }, store) => {
      const user = msg("u1", "user", text!);
      store.get(first.threadId)!.push(user);
      onEvent({ type: "message", message: user });
    };
    await controller.send(first, "hello");
    const second = await controller.newThread();
    expect(second.threadId).not.toBe(first.threadId);
    expect((await backend.listThreads("here")).map((t) => t.threadId)).toEqual([first.threadId]);
  });

  it("streams a turn: user message, batched tokens, final message, status and a refreshed snapshot", async () => {
    const { controller, backend, of, scheduler, streaming, changed, lastSnapshot, posted } = setup();
    const ref = await controller.newThread();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    backend.script = async (_ref, text, { onEvent }, store) => {
      const user = msg("u1", "user", text!);
      store.get(ref.threadId)!.push(user);
      onEvent({ type: "message", message: user });
      for (const piece of ["Hel", "lo", " bob"]) onEvent({ type: "token", messageId: "a1", text: piece });
      await gate;
      const reply = msg("a1", "assistant", "Hello bob");
      store.get(ref.threadId)!.push(reply);
      onEvent({ type: "message", message: reply });
    };
    const turn = controller.handleMessage(webviewMessage("send", { threadId: ref.threadId, text: "I'm bob" }));
    await new Promise((r) => setImmediate(r));
    expect(controller.isStreaming()).toBe(true);
    expect(of("status").at(-1)!.params.streaming).not.toBeNull();
    expect(of("messages").map((m) => m.params.messages[0]!.id)).toEqual(["u1"]);
    expect(of("tokens")).toEqual([]); // batched: nothing until the interval
    // A snapshot taken mid-stream (e.g. the view was re-created) includes the partial reply.
    await controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(lastSnapshot().messages.at(-1)).toEqual({ id: "a1", role: "assistant", text: "Hello bob" });
    expect(lastSnapshot().streaming).toEqual({ messageId: "a1" });
    scheduler.runAll();
    expect(of("tokens").map((m) => m.params)).toEqual([{ threadId: ref.threadId, messageId: "a1", text: "Hello bob" }]);
    // The batched tokens went before the snapshot that already holds them: the chat shows the text once.
    expect(posted.findIndex((m) => m.type === "tokens")).toBeLessThan(
      posted.findIndex((m) => m.type === "snapshot" && m.params.streaming !== null),
    );
    expect(lastSnapshot().messages.at(-1)?.text).toBe("Hello bob");
    release();
    await turn;
    expect(of("messages").map((m) => m.params.messages[0]!.id)).toEqual(["u1", "a1"]);
    expect(of("status").at(-1)!.params.streaming).toBeNull();
    expect(lastSnapshot().messages.map((m) => m.id)).toEqual(["u1", "a1"]);
    expect(streaming).toEqual([false, true, false]);
    expect(changed.filter((s) => s === "here").length).toBeGreaterThanOrEqual(3);
  });

  it("flushes pending tokens before a message event so order is kept", async () => {
    const { controller, backend, posted } = setup();
    const ref = await controller.newThread();
    backend.script = async (_r, _t, { onEvent }) => {
      onEvent({ type: "token", messageId: "a1", text: "partial" });
      onEvent({ type: "message", message: msg("a1", "assistant", "partial reply") });
    };
    await controller.send(ref, "go");
    const order = posted.filter((m) => m.type === "tokens" || m.type === "messages").map((m) => m.type);
    expect(order).toEqual(["tokens", "messages"]);
  });

  it("Stop aborts the run; no error is shown and the thread stays usable", async () => {
    const { controller, backend, lastSnapshot } = setup();
    const ref = await controller.newThread();
    backend.script = (_r, _t, { signal, onEvent }, store) =>
      new Promise<void>((_resolve, reject) => {
        onEvent({ type: "token", messageId: "a1", text: "stre" });
        signal.addEventListener("abort", () => {
          store.get(ref.threadId)!.push(msg("a1", "assistant", "stre", { interrupted: true }));
          reject(new Error("cancelled"));
        });
      });
    const turn = controller.send(ref, "slow please");
    await new Promise((r) => setImmediate(r));
    await controller.handleMessage(webviewMessage("stop", { threadId: ref.threadId }));
    await turn;
    expect(controller.isStreaming()).toBe(false);
    expect(lastSnapshot().error).toBeNull();
    expect(lastSnapshot().messages.at(-1)).toMatchObject({ id: "a1", interrupted: true });
    backend.script = async (_r, text, { onEvent }) => onEvent({ type: "message", message: msg("u2", "user", text!) });
    await controller.send(ref, "again");
    expect(lastSnapshot().error).toBeNull();
  });

  it("shows a failed turn inline: key errors offer Set API Key, the key is scrubbed, Retry re-runs", async () => {
    const { controller, backend, of, lastSnapshot, commands } = setup();
    const ref = await controller.newThread();
    backend.script = async () => {
      throw Object.assign(new Error("Invalid key sk-ant-very-secret (401)."), { code: "AUTHENTICATION_FAILED" });
    };
    await controller.send(ref, "hi");
    const error = of("error").at(-1)!.params.error!;
    expect(error).toEqual({
      code: "AUTHENTICATION_FAILED",
      message: "Invalid key ••• (401).",
      actions: ["setApiKey", "retry"],
    });
    expect(lastSnapshot().error).toEqual(error);
    expect(JSON.stringify(of("snapshot"))).not.toContain("sk-ant-very-secret");
    await controller.handleMessage(webviewMessage("command", { command: "setApiKey" }));
    expect(commands).toEqual(["setApiKey"]);
    let retried: string | null | undefined;
    backend.script = async (_r, text) => {
      retried = text;
    };
    await controller.handleMessage(webviewMessage("retry", { threadId: ref.threadId }));
    expect(retried).toBeNull();
    expect(lastSnapshot().error).toBeNull();
  });

  it("a reply cut off by a reload shows as interrupted (until a run starts)", async () => {
    const state = new Memento();
    await state.update(OPEN_THREAD_KEY, { scope: "here", threadId: "t1" });
    const backend = new ScriptedBackend();
    backend.threads.set("here/t1", [msg("u1", "user", "tell me a story")]);
    backend.interrupted.add("here/t1");
    const { controller, lastSnapshot } = setup({ state, backend });
    await controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(lastSnapshot().interrupted).toBe(true);
  });

  it("deleting the open thread opens a new empty one; its draft is forgotten", async () => {
    const { controller, backend, lastSnapshot, state } = setup();
    const ref = await controller.newThread();
    await controller.handleMessage(webviewMessage("draft", { threadId: ref.threadId, text: "unsent" }));
    expect(state.get<Record<string, string>>(DRAFTS_KEY)).toEqual({ [`here/${ref.threadId}`]: "unsent" });
    await controller.settle(ref);
    await backend.deleteThread(ref);
    await controller.threadDeleted(ref);
    expect(state.get<Record<string, string>>(DRAFTS_KEY)).toEqual({});
    expect(lastSnapshot().threadId).not.toBe(ref.threadId);
    expect(lastSnapshot().messages).toEqual([]);
    expect(controller.openRef.scope).toBe("here");
  });

  it("settle() waits until a running turn has stopped writing", async () => {
    const { controller, backend } = setup();
    const ref = await controller.newThread();
    let finished = false;
    backend.script = (_r, _t, { signal }) =>
      new Promise<void>((resolve) => {
        signal.addEventListener("abort", () =>
          setImmediate(() => {
            finished = true;
            resolve();
          }),
        );
      });
    const turn = controller.send(ref, "long");
    await new Promise((r) => setImmediate(r));
    await controller.settle(ref);
    expect(finished).toBe(true);
    await turn;
  });

  it("drafts are kept per thread and come back when the thread is reopened", async () => {
    const { controller, lastSnapshot } = setup();
    const a = await controller.newThread();
    await controller.handleMessage(webviewMessage("draft", { threadId: a.threadId, text: "draft for a" }));
    const b = { scope: "here", threadId: "another-thread" };
    await controller.openThread(b);
    expect(lastSnapshot().draft).toBe("");
    await controller.openThread(a);
    expect(lastSnapshot().draft).toBe("draft for a");
    await controller.send(a, "sent now");
    await controller.openThread(b);
    await controller.openThread(a);
    expect(lastSnapshot().draft).toBe("");
  });

  it("opens a thread of another workspace and runs turns against that scope", async () => {
    const { controller, backend } = setup();
    backend.threads.set("elsewhere/x1", [msg("u", "user", "old")]);
    const seen: ThreadRef[] = [];
    backend.script = async (ref) => void seen.push(ref);
    await controller.openThread({ scope: "elsewhere", threadId: "x1" });
    await controller.handleMessage(webviewMessage("send", { threadId: "x1", text: "more" }));
    expect(seen).toEqual([{ scope: "elsewhere", threadId: "x1" }]);
  });

  it("ignores malformed messages, blank sends and a second send while streaming", async () => {
    const { controller, backend, copied } = setup();
    const ref = await controller.newThread();
    let runs = 0;
    let release!: () => void;
    backend.script = () => {
      runs++;
      return new Promise<void>((r) => (release = r));
    };
    await controller.handleMessage({ type: "send", params: { threadId: ref.threadId } });
    await controller.handleMessage({ type: "command", params: { command: "workbench.action.quit" } });
    await controller.handleMessage(webviewMessage("send", { threadId: ref.threadId, text: "   " }));
    expect(runs).toBe(0);
    const first = controller.send(ref, "one");
    await new Promise((r) => setImmediate(r));
    await controller.send(ref, "two");
    expect(runs).toBe(1);
    release();
    await first;
    await controller.handleMessage(webviewMessage("copy", { text: "code" }));
    expect(copied).toEqual(["code"]);
  });

  it("a thread whose load fails shows the error instead of hanging", async () => {
    const backend = new ScriptedBackend();
    backend.loadThread = async () => {
      throw Object.assign(new Error("Store is from a newer Skein."), { code: "STORE_FORMAT" });
    };
    const { controller, lastSnapshot } = setup({ backend });
    await controller.handleMessage(webviewMessage("ready", { state: {} }));
    expect(lastSnapshot().error).toMatchObject({ code: "STORE_FORMAT", message: "Store is from a newer Skein." });
  });
});

describe("chat controller: nothing the user typed is lost", () => {
  it("ready from a webview that remembers another thread's draft stores it under that thread", async () => {
    const state = new Memento();
    await state.update(OPEN_THREAD_KEY, { scope: "here", threadId: "t1" });
    const { controller, lastSnapshot } = setup({ state });
    await controller.handleMessage(webviewMessage("ready", { state: { threadId: "t0", draft: "last keystrokes" } }));
    expect(lastSnapshot().threadId).toBe("t1");
    expect(state.get<Record<string, string>>(DRAFTS_KEY)).toEqual({ "here/t0": "last keystrokes" });
    await controller.openThread({ scope: "here", threadId: "t0" });
    expect(lastSnapshot().draft).toBe("last keystrokes");
  });

  it("opening another thread is announced before its snapshot (the webview saves the old draft, holds Send)", async () => {
    const { controller, posted } = setup();
    const ref = await controller.newThread();
    const types = posted.map((m) => m.type);
    const opening = types.indexOf("opening");
    expect(opening).toBeGreaterThanOrEqual(0);
    expect(posted[opening]!.params).toEqual({ threadId: ref.threadId });
    expect(types.indexOf("snapshot", opening)).toBeGreaterThan(opening);
  });

  it("an over-limit ready still gets a snapshot; an over-limit send is answered in the chat, not dropped", async () => {
    const { controller, of } = setup();
    const ref = controller.openRef;
    await controller.handleMessage({
      type: "ready",
      params: { state: { threadId: ref.threadId, draft: "x".repeat(MAX_INPUT_CHARS + 1) } },
    });
    expect(of("snapshot")).toHaveLength(1);
    expect(of("snapshot")[0]!.params.draft).toBe("");
    await controller.handleMessage({
      type: "send",
      params: { threadId: ref.threadId, text: "x".repeat(MAX_INPUT_CHARS + 1) },
    });
    expect(of("notice").map((m) => m.params.threadId)).toEqual([ref.threadId]);
    expect(of("notice")[0]!.params.message).toMatch(/not accepted/);
    // The webview's optimistic "streaming" is corrected.
    expect(of("status").at(-1)!.params.streaming).toBeNull();
  });

  it("Send while a reply runs on the thread (Retry from the palette just before Enter) keeps the text and says why", async () => {
    const { controller, backend, state, of } = setup();
    const ref = await controller.newThread();
    let runs = 0;
    let release!: () => void;
    backend.script = () => {
      runs++;
      return new Promise<void>((r) => (release = r));
    };
    const retry = controller.retry(ref);
    await new Promise((r) => setImmediate(r));
    await controller.handleMessage(webviewMessage("send", { threadId: ref.threadId, text: "my question" }));
    expect(runs).toBe(1);
    const notice = of("notice").at(-1)!;
    expect(notice.params).toMatchObject({ threadId: ref.threadId, draft: "my question" });
    expect(notice.params.message).toMatch(/still running.*Stop/);
    expect(state.get<Record<string, string>>(DRAFTS_KEY)?.[`here/${ref.threadId}`]).toBe("my question");
    expect(of("status").at(-1)!.params.streaming).not.toBeNull();
    release();
    await retry;
  });

  it("a turn refused before its message was stored (thread busy in another window) puts the text back as the draft", async () => {
    const { controller, backend, state, of, lastSnapshot } = setup();
    const ref = await controller.newThread();
    backend.script = async () => {
      throw new TurnRejectedError(
        Object.assign(new Error("Another VS Code window is running a reply in this thread."), { code: "THREAD_BUSY" }),
        "please keep me",
      );
    };
    await controller.handleMessage(webviewMessage("send", { threadId: ref.threadId, text: "please keep me" }));
    expect(of("notice").at(-1)!.params).toEqual({
      threadId: ref.threadId,
      message: "Another VS Code window is running a reply in this thread.",
      draft: "please keep me",
    });
    expect(state.get<Record<string, string>>(DRAFTS_KEY)?.[`here/${ref.threadId}`]).toBe("please keep me");
    // Not shown as a failed turn with Retry: the thread never held the message.
    expect(lastSnapshot().error).toBeNull();
    expect(lastSnapshot().streaming).toBeNull();
  });
});

describe("chat controller: a draft put back while the view was closed", () => {
  it("survives a ready whose remembered composer is empty (open thread or another)", async () => {
    const { controller, backend, state, lastSnapshot } = setup();
    const ref = await controller.newThread();
    backend.script = async () => {
      throw new TurnRejectedError(new Error("busy"), "put back");
    };
    await controller.send(ref, "put back");
    // The webview cleared its composer when it sent; it reloads remembering an empty draft.
    await controller.handleMessage(webviewMessage("ready", { state: { threadId: ref.threadId, draft: "" } }));
    expect(lastSnapshot().draft).toBe("put back");
    await controller.openThread({ scope: "here", threadId: "elsewhere" });
    await controller.handleMessage(webviewMessage("ready", { state: { threadId: ref.threadId, draft: "" } }));
    expect(state.get<Record<string, string>>(DRAFTS_KEY)?.[`here/${ref.threadId}`]).toBe("put back");
  });
});

describe("chat controller: an edit while a reply runs", () => {
  it("is refused with the reason, its text kept in the composer instead of vanishing", async () => {
    const { controller, backend, state, of } = setup();
    // Time travel is on (the branch itself is never reached: the thread is busy).
    Object.assign(backend, { history: {} });
    const ref = await controller.newThread();
    let release!: () => void;
    backend.script = () => new Promise<void>((r) => (release = r));
    const retry = controller.retry(ref);
    await new Promise((r) => setImmediate(r));
    await controller.handleMessage(
      webviewMessage("edit", { threadId: ref.threadId, messageId: "u1", text: "edited words" }),
    );
    expect(of("notice").at(-1)!.params).toMatchObject({ threadId: ref.threadId, draft: "edited words" });
    expect(state.get<Record<string, string>>(DRAFTS_KEY)?.[`here/${ref.threadId}`]).toBe("edited words");
    release();
    await retry;
  });
});
