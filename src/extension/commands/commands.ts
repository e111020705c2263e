/**
 * Every `skein.*` command, from one table (rust-analyzer's createCommands). Handlers accept what menus pass
 * (a tree node), a `{ scope, threadId }` ref, a bare thread id, or nothing (= the open thread), so the palette,
 * the tree and tests all call the same code.
 */
import * as vscode from "vscode";
import { ApiKeyService } from "../settings/apiKey";
import type { ChatBackend, ThreadRef } from "../engine/backend";
import { MAX_TITLE_CHARS } from "../../checkpoint/limits";
import type { ChatController } from "../chat/chatController";
import type { ChatViewProvider } from "../chat/panel/chatViewProvider";
import { createHistoryCommands } from "./historyCommands";
import type { ThreadNode, ThreadsTreeProvider } from "../threads/threadsTree";
import type { StoreCommands } from "../store/storeCommands";
import type { ToolCommands } from "../tools/toolCommands";

export interface CommandContext {
  scope: string;
  backend: ChatBackend;
  controller: ChatController;
  tree: ThreadsTreeProvider;
  chatView: ChatViewProvider;
  apiKeys: ApiKeyService;
  /** Re-reads whether a key is available and updates the `skein.hasApiKey` context key. */
  refreshKeyContext(): Promise<void>;
  /** Every workspace scope with a store (Search Threads → All Workspaces). */
  allScopes?(): Promise<string[]>;
  /** The thread store's commands (local / PostgreSQL). */
  store?: StoreCommands;
  /** Context attachments and tool permissions (tools/toolCommands.ts). */
  tools?: ToolCommands;
}

/** Options a test or another command may pass to skip a modal prompt. */
export interface PromptOverrides {
  /** Delete without the confirmation dialog. */
  confirm?: boolean;
}

type Handler = (...args: any[]) => unknown;

function toRef(target: unknown, ctx: CommandContext): ThreadRef | undefined {
  if (typeof target === "string" && target) return { scope: ctx.scope, threadId: target };
  if (typeof target === "object" && target !== null) {
    const node = target as Partial<ThreadNode> & Partial<ThreadRef>;
    if (node.kind === "thread" && node.ref) return { ...node.ref };
    if (typeof node.threadId === "string")
      return { scope: typeof node.scope === "string" ? node.scope : ctx.scope, threadId: node.threadId };
  }
  return undefined;
}

async function pickThread(ctx: CommandContext, placeHolder: string): Promise<ThreadRef | undefined> {
  const threads = await ctx.backend.listThreads(ctx.scope);
  const picked = await vscode.window.showQuickPick(
    threads.map((t) => ({
      label: t.title?.trim() || vscode.l10n.t("New Thread"),
      description: new Date(t.updatedAt).toLocaleString(),
      threadId: t.threadId,
    })),
    { placeHolder, matchOnDescription: true },
  );
  return picked ? { scope: ctx.scope, threadId: picked.threadId } : undefined;
}

export function createCommands(ctx: CommandContext): Record<string, Handler> {
  const { controller, backend, tree } = ctx;

  const openThread = async (target?: unknown) => {
    const ref = toRef(target, ctx) ?? (await pickThread(ctx, vscode.l10n.t("Open a thread")));
    if (!ref) return undefined;
    await controller.openThread(ref);
    tree.setOpenThread(ref);
    await ctx.chatView.reveal();
    return ref;
  };

  const deleteThread = async (target?: unknown, overrides: PromptOverrides = {}) => {
    const ref = toRef(target, ctx) ?? controller.openRef;
    if (overrides.confirm !== false) {
      const info = (await backend.listThreads(ref.scope)).find((t) => t.threadId === ref.threadId);
      const title = info?.title?.trim() || vscode.l10n.t("New Thread");
      const yes = vscode.l10n.t("Delete");
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t("Delete the thread “{0}”? Its whole history is removed from disk.", title),
        { modal: true },
        yes,
      );
      if (answer !== yes) return false;
    }
    await controller.settle(ref); // a run still streaming must not write the thread back after deletion
    await backend.deleteThread(ref);
    await controller.threadDeleted(ref);
    tree.refresh();
    return true;
  };

  const history = createHistoryCommands(ctx, (target) => toRef(target, ctx));
  const commands: Record<string, Handler> = {
    "skein.newThread": async () => {
      const ref = await controller.newThread();
      tree.setOpenThread(ref);
      await ctx.chatView.reveal();
      controller.focusInput();
      return ref;
    },
    "skein.openThread": openThread,
    "skein.renameThread": async (target?: unknown, newTitle?: string) => {
      const ref = toRef(target, ctx) ?? controller.openRef;
      const current = (await backend.listThreads(ref.scope)).find((t) => t.threadId === ref.threadId)?.title ?? "";
      const title =
        typeof newTitle === "string"
          ? newTitle
          : await vscode.window.showInputBox({
              title: vscode.l10n.t("Rename Thread"),
              value: current,
              prompt: vscode.l10n.t("New name for the thread"),
              validateInput: (value) =>
                !value.trim()
                  ? vscode.l10n.t("A thread name cannot be empty.")
                  : value.trim().length > MAX_TITLE_CHARS
                    ? vscode.l10n.t(
                        "A thread title can have at most {0} characters (this one has {1}). Choose a shorter title.",
                        MAX_TITLE_CHARS,
                        value.trim().length,
                      )
                    : undefined,
            });
      if (!title?.trim()) return false;
      await backend.renameThread(ref, title.trim());
      controller.threadRenamed(ref, title.trim());
      tree.refresh();
      return true;
    },
    "skein.deleteThread": deleteThread,
    "skein.deleteAllThreads": async (overrides: PromptOverrides = {}) => {
      const threads = await backend.listThreads(ctx.scope);
      if (threads.length === 0) return 0;
      if (overrides?.confirm !== false) {
        const yes = vscode.l10n.t("Delete All");
        const answer = await vscode.window.showWarningMessage(
          vscode.l10n.t(
            "Delete all {0} threads in this workspace? Their history is removed from disk.",
            threads.length,
          ),
          { modal: true },
          yes,
        );
        if (answer !== yes) return 0;
      }
      await controller.settleScope(ctx.scope);
      for (const t of threads) await backend.deleteThread({ scope: ctx.scope, threadId: t.threadId });
      await controller.scopeCleared(ctx.scope);
      tree.refresh();
      return threads.length;
    },
    "skein.setApiKey": async (value?: string) => {
      const key =
        typeof value === "string"
          ? value
          : await vscode.window.showInputBox({
              title: vscode.l10n.t("Set Anthropic API Key"),
              prompt: vscode.l10n.t("Stored in VS Code's secret storage; never in settings or thread files."),
              placeHolder: "sk-ant-…",
              password: true,
              ignoreFocusOut: true,
              validateInput: (input) =>
                ApiKeyService.validate(input) ? vscode.l10n.t("Paste the key as one word without spaces.") : undefined,
            });
      if (key === undefined || ApiKeyService.validate(key)) return false;
      await ctx.apiKeys.set(key);
      await ctx.refreshKeyContext();
      void vscode.window.showInformationMessage(vscode.l10n.t("Anthropic API key saved."));
      return true;
    },
    "skein.clearApiKey": async () => {
      await ctx.apiKeys.clear();
      await ctx.refreshKeyContext();
      const { source } = await ctx.apiKeys.get();
      void vscode.window.showInformationMessage(
        source === "env"
          ? vscode.l10n.t("Stored API key removed. ANTHROPIC_API_KEY from the environment is still used.")
          : vscode.l10n.t("Stored API key removed."),
      );
      return true;
    },
    "skein.stopResponse": () => controller.stop(),
    "skein.retryLastTurn": () => controller.retry(),
    "skein.focusChat": async () => {
      await ctx.chatView.reveal();
      controller.focusInput();
    },
    "skein.refreshThreads": () => tree.refresh(),
    "skein.showAllWorkspaces": () => setMode(ctx, "all"),
    "skein.showThisWorkspace": () => setMode(ctx, "workspace"),
    // Branches, search, export/import (handlers in historyCommands.ts).
    "skein.searchThreads": history.searchThreads,
    "skein.exportThread": history.exportThread,
    "skein.importThread": history.importThread,
    "skein.forkThread": history.forkThread,
    "skein.connectPostgres": (url?: unknown) => ctx.store?.connect(typeof url === "string" ? url : undefined),
    "skein.disconnectPostgres": () => ctx.store?.disconnect(),
    "skein.copyLocalToPostgres": () => ctx.store?.copyLocal(),
    "skein.retryStore": () => ctx.store?.retry(),
    "skein.addSelectionToChat": () => ctx.tools?.addSelection(),
    "skein.addFileToChat": (target?: unknown, selection?: unknown) => ctx.tools?.addFiles(target, selection),
    "skein.manageToolPermissions": (remove?: unknown) =>
      ctx.tools?.managePermissions(
        typeof remove === "object" && remove !== null
          ? (remove as Parameters<ToolCommands["managePermissions"]>[0])
          : undefined,
      ),
  };
  return commands;
}

async function setMode(ctx: CommandContext, mode: "workspace" | "all"): Promise<void> {
  ctx.tree.setMode(mode);
  await vscode.commands.executeCommand("setContext", "skein.treeMode", mode);
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(createCommands(ctx)).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        void vscode.window.showErrorMessage(vscode.l10n.t("Skein: {0}", message));
        return undefined;
      }
    }),
  );
}
