/**
 * The command table's disabled variants: a command whose need is missing (an API key, a thread to act on, any
 * thread, the history, the shared store, an editor) does nothing of its own and says what is missing, with the
 * button that fixes it. Runs the real table through registerCommands against a stand-in `vscode` module and
 * stand-ins for the backend, chat and tree.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CommandContext } from "../../../../src/extension/commands/commandContext";

interface Shown {
  kind: "info" | "warning" | "error";
  message: string;
  buttons: string[];
}

const ui = vi.hoisted(() => ({
  shown: [] as Shown[],
  executed: [] as { command: string; args: unknown[] }[],
  registered: new Map<string, (...args: unknown[]) => Promise<unknown>>(),
  /** Which button the user picks on a notification (undefined: dismissed). */
  answer: undefined as string | undefined,
  activeTextEditor: undefined as unknown,
  quickPicks: 0,
}));

vi.mock("vscode", () => {
  class Uri {
    constructor(readonly path: string) {}
    static file(path: string) {
      return new Uri(path);
    }
    toString() {
      return `file://${this.path}`;
    }
  }
  const notify =
    (kind: Shown["kind"]) =>
    async (message: string, ...rest: unknown[]) => {
      const buttons = rest.filter((r): r is string => typeof r === "string");
      ui.shown.push({ kind, message, buttons });
      return ui.answer !== undefined && buttons.includes(ui.answer) ? ui.answer : undefined;
    };
  return {
    Uri,
    ThemeIcon: class {},
    l10n: { t: (text: string, ...args: unknown[]) => text.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)])) },
    window: {
      showInformationMessage: notify("info"),
      showWarningMessage: notify("warning"),
      showErrorMessage: notify("error"),
      showQuickPick: async () => {
        ui.quickPicks++;
        return undefined;
      },
      showInputBox: async () => undefined,
      get activeTextEditor() {
        return ui.activeTextEditor;
      },
    },
    commands: {
      executeCommand: async (command: string, ...args: unknown[]) => {
        ui.executed.push({ command, args });
      },
      registerCommand: (id: string, callback: (...args: unknown[]) => Promise<unknown>) => {
        ui.registered.set(id, callback);
        return { dispose() {} };
      },
    },
    workspace: { workspaceFolders: undefined },
  };
});

import * as vscode from "vscode";
import { createCommands, registerCommands } from "../../../../src/extension/commands/commands";
import { REQUIREMENTS } from "../../../../src/extension/commands/preconditions";

const SCOPE = "scope-a";
const OPEN = { scope: SCOPE, threadId: "open" };

interface Setup {
  /** Whether turns can authenticate. */
  key?: boolean;
  /** Threads of the scope and how many messages each holds. */
  threads?: Record<string, number>;
  history?: boolean;
  shared?: boolean;
}

function setup({ key = true, threads = {}, history = true, shared = false }: Setup = {}) {
  const spies = {
    retry: vi.fn(async () => undefined),
    renameThread: vi.fn(async () => undefined),
    deleteThread: vi.fn(async () => undefined),
    exportThread: vi.fn(async () => "exported"),
    search: vi.fn(async () => ({ hits: [] })),
    importThread: vi.fn(async () => "imported"),
    forkFrom: vi.fn(async () => ({ scope: SCOPE, threadId: "fork" })),
    copyLocal: vi.fn(async () => undefined),
    retryStore: vi.fn(),
    addSelection: vi.fn(async () => undefined),
    addFiles: vi.fn(async () => undefined),
  };
  const listThreads = async (scope: string) =>
    scope === SCOPE
      ? Object.entries(threads).map(([threadId, messageCount]) => ({
          threadId,
          title: threadId,
          createdAt: "",
          updatedAt: "",
          messageCount,
        }))
      : [];
  const ctx = {
    scope: SCOPE,
    backend: {
      listThreads,
      renameThread: spies.renameThread,
      deleteThread: spies.deleteThread,
      loadThread: async () => ({ messages: [{ id: "m1" }] }),
      history: history
        ? { search: spies.search, exportThread: spies.exportThread, importThread: spies.importThread }
        : undefined,
    },
    controller: {
      openRef: { ...OPEN },
      retry: spies.retry,
      stop: vi.fn(),
      threadRenamed: vi.fn(),
      settle: vi.fn(async () => undefined),
      settleScope: vi.fn(async () => undefined),
      threadDeleted: vi.fn(async () => undefined),
      scopeCleared: vi.fn(async () => undefined),
      forkFrom: spies.forkFrom,
      openThread: vi.fn(async () => undefined),
    },
    tree: { refresh: vi.fn(), setOpenThread: vi.fn(), setMode: vi.fn() },
    chatView: { reveal: vi.fn(async () => undefined) },
    apiKeys: {},
    refreshKeyContext: async () => undefined,
    canAuthenticate: async () => key,
    store: {
      connect: vi.fn(),
      disconnect: vi.fn(),
      copyLocal: spies.copyLocal,
      retry: spies.retryStore,
      isShared: () => shared,
    },
    tools: { addSelection: spies.addSelection, addFiles: spies.addFiles, managePermissions: vi.fn() },
  } as unknown as CommandContext;
  registerCommands(ctx);
  const run = (id: string, ...args: unknown[]) => ui.registered.get(id)!(...args);
  return { ctx, spies, run };
}

/** The notification's button ran its command (the refused command returned before the user answered). */
async function ranAction(command: string): Promise<void> {
  await vi.waitFor(() => expect(ui.executed.map((e) => e.command)).toContain(command));
}

beforeEach(() => {
  ui.shown.length = 0;
  ui.executed.length = 0;
  ui.registered.clear();
  ui.answer = undefined;
  ui.activeTextEditor = undefined;
  ui.quickPicks = 0;
});

describe("commands that need an API key", () => {
  it("Retry Last Turn without a key says so, offers Set API Key, and runs no turn", async () => {
    const { run, spies } = setup({ key: false, threads: { open: 2 } });
    ui.answer = "Set API Key";
    expect(await run("skein.retryLastTurn")).toBeUndefined();
    expect(spies.retry).not.toHaveBeenCalled();
    expect(ui.shown).toEqual([
      {
        kind: "warning",
        message: "Set your Anthropic API key to chat. It is kept in VS Code's secret storage.",
        buttons: ["Set API Key"],
      },
    ]);
    await ranAction("skein.setApiKey");
  });

  it("Retry Last Turn with a key and a thread with messages retries it", async () => {
    const { run, spies } = setup({ key: true, threads: { open: 2 } });
    await run("skein.retryLastTurn");
    expect(spies.retry).toHaveBeenCalledOnce();
    expect(ui.shown).toEqual([]);
  });
});

describe("commands that need a thread", () => {
  it("Retry Last Turn on a thread with no messages yet says so first (before the key), offering Open Thread…", async () => {
    const { run, spies } = setup({ key: false, threads: { open: 0, other: 3 } });
    ui.answer = "Open Thread…";
    await run("skein.retryLastTurn");
    expect(spies.retry).not.toHaveBeenCalled();
    expect(ui.shown).toEqual([
      {
        kind: "info",
        message: "The open thread has no messages yet, so there is nothing to act on.",
        buttons: ["Open Thread…"],
      },
    ]);
    await ranAction("skein.openThread");
  });

  it("Rename, Delete, Export and Fork of an empty open thread do nothing and offer the chat when no thread exists", async () => {
    const { run, spies } = setup({ threads: {} });
    expect(await run("skein.renameThread", undefined, "A title")).toBe(false);
    expect(await run("skein.deleteThread", undefined, { confirm: false })).toBe(false);
    expect(await run("skein.exportThread", undefined, "markdown", "/tmp/out.md")).toBeUndefined();
    expect(await run("skein.forkThread")).toBeUndefined();
    expect(spies.renameThread).not.toHaveBeenCalled();
    expect(spies.deleteThread).not.toHaveBeenCalled();
    expect(spies.exportThread).not.toHaveBeenCalled();
    expect(spies.forkFrom).not.toHaveBeenCalled();
    expect(ui.shown.map((s) => [s.kind, s.buttons])).toEqual(Array(4).fill(["info", ["Go to Chat"]]));
    ui.answer = "Go to Chat";
    await run("skein.renameThread");
    await ranAction("skein.focusChat");
  });

  it("a thread passed from the tree is acted on even while the open thread is empty", async () => {
    const { run, spies } = setup({ threads: { open: 0, other: 3 } });
    const node = { kind: "thread", ref: { scope: SCOPE, threadId: "other" } };
    expect(await run("skein.renameThread", node, "Renamed")).toBe(true);
    expect(spies.renameThread).toHaveBeenCalledWith({ scope: SCOPE, threadId: "other" }, "Renamed");
    expect(await run("skein.deleteThread", "other", { confirm: false })).toBe(true);
    expect(spies.deleteThread).toHaveBeenCalledWith({ scope: SCOPE, threadId: "other" });
    expect(ui.shown).toEqual([]);
  });
});

describe("commands that need threads in the workspace", () => {
  it("Open Thread with no thread offers New Thread instead of an empty pick", async () => {
    const { run } = setup({ threads: {} });
    ui.answer = "New Thread";
    expect(await run("skein.openThread")).toBeUndefined();
    expect(ui.quickPicks).toBe(0);
    expect(ui.shown).toEqual([
      {
        kind: "info",
        message: "This workspace has no threads yet: send a message in the chat to start one.",
        buttons: ["New Thread"],
      },
    ]);
    await ranAction("skein.newThread");
  });

  it("Delete All with no thread says so and deletes nothing (returns 0)", async () => {
    const { run, spies } = setup({ threads: {} });
    expect(await run("skein.deleteAllThreads")).toBe(0);
    expect(spies.deleteThread).not.toHaveBeenCalled();
    expect(ui.shown.map((s) => s.buttons)).toEqual([["New Thread"]]);
  });
});

describe("commands that need the history", () => {
  it("Search, Export, Import and Fork without it say so instead of failing", async () => {
    const { run } = setup({ history: false, threads: { open: 2 } });
    await run("skein.searchThreads", "q", { interactive: false });
    await run("skein.exportThread", undefined, "json", "/tmp/out.json");
    await run("skein.importThread", "/tmp/in.json");
    await run("skein.forkThread");
    expect(ui.shown).toEqual(
      Array(4).fill({ kind: "warning", message: "Thread history is not available.", buttons: [] }),
    );
  });
});

describe("commands that need the shared store", () => {
  it("Copy Local Threads and Retry on the local store offer Connect to PostgreSQL… and do nothing else", async () => {
    const { run, spies } = setup({ shared: false });
    ui.answer = "Connect to PostgreSQL…";
    await run("skein.copyLocalToPostgres");
    await run("skein.retryStore");
    expect(spies.copyLocal).not.toHaveBeenCalled();
    expect(spies.retryStore).not.toHaveBeenCalled();
    expect(ui.shown.map((s) => [s.kind, s.message, s.buttons])).toEqual(
      Array(2).fill([
        "warning",
        "Connect to PostgreSQL first (“Skein: Connect to PostgreSQL…”).",
        ["Connect to PostgreSQL…"],
      ]),
    );
    await ranAction("skein.connectPostgres");
  });

  it("on the shared store they run", async () => {
    const { run, spies } = setup({ shared: true });
    await run("skein.copyLocalToPostgres");
    await run("skein.retryStore");
    expect(spies.copyLocal).toHaveBeenCalledOnce();
    expect(spies.retryStore).toHaveBeenCalledOnce();
  });
});

describe("commands that need an editor", () => {
  it("Add Selection to Chat without an editor offers to open a file", async () => {
    const { run, spies } = setup();
    ui.answer = "Open File…";
    await run("skein.addSelectionToChat");
    expect(spies.addSelection).not.toHaveBeenCalled();
    expect(ui.shown.map((s) => [s.kind, s.buttons])).toEqual([["info", ["Open File…"]]]);
    await ranAction("workbench.action.quickOpen");
  });

  it("Add File to Chat takes the Explorer's file without an editor, and needs one without a file", async () => {
    const { run, spies } = setup();
    const file = vscode.Uri.file("/w/a.ts");
    await run("skein.addFileToChat", file, [file]);
    expect(spies.addFiles).toHaveBeenCalledWith(file, [file]);
    await run("skein.addFileToChat");
    expect(spies.addFiles).toHaveBeenCalledOnce();
    expect(ui.shown).toHaveLength(1);
    ui.activeTextEditor = { document: { uri: file } };
    await run("skein.addSelectionToChat");
    expect(spies.addSelection).toHaveBeenCalledOnce();
  });
});

describe("the manifest agrees with the table", () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, "../../../../package.json"), "utf8"));
  const table = createCommands(setup().ctx);
  /** Palette conditions that are not a command's needs: what the command does differs with them. */
  const STATE_KEYS = new Set(["skein.streaming", "skein.treeMode != all", "skein.treeMode == all"]);
  const clauses = (when: string | undefined) => (when ? when.split(" && ").map((c) => c.trim()) : []);
  const needKeys = (id: string) => [
    ...new Set((table[id]!.requires ?? []).flatMap((r) => (REQUIREMENTS[r].when ? [REQUIREMENTS[r].when!] : []))),
  ];

  it("the palette hides a command by exactly the context keys of its needs", () => {
    const palette = manifest.contributes.menus.commandPalette as { command: string; when?: string }[];
    for (const id of Object.keys(table)) {
      const entry = palette.find((p) => p.command === id);
      const keys = clauses(entry?.when).filter((c) => !STATE_KEYS.has(c));
      expect(keys.sort(), id).toEqual(needKeys(id).sort());
    }
  });

  it("a view's title bar shows a command that acts on the open thread only when that need is met", () => {
    const titles = manifest.contributes.menus["view/title"] as { command: string; when: string }[];
    for (const item of titles) {
      const present = clauses(item.when);
      for (const key of needKeys(item.command)) expect(present, `${item.command} in ${item.when}`).toContain(key);
    }
  });
});
