/**
 * Every `skein.*` command, from one table (rust-analyzer's createCommands): each entry names what the command
 * needs (`requires`, checked in order on every call; preconditions.ts), the handler that runs when all of it is
 * there (`enabled`) and, where the caller needs a particular answer, what runs when something is missing
 * (`disabled`; by default the user is told what is missing, with a button that fixes it). Handlers accept what
 * menus pass (a tree node), a `{ scope, threadId }` ref, a bare thread id, or nothing (= the open thread), so the
 * palette, the tree and tests all call the same code. The palette's `when` clauses in package.json hide a
 * command by the context key of each need that has one (test/unit/extension/commands checks they agree).
 */
import * as vscode from "vscode";
import { ApiKeyService } from "../settings/apiKey";
import type { ToolCommands } from "../tools/toolCommands";
import type { CommandContext } from "./commandContext";
import { createHistoryCommands } from "./historyCommands";
import { explain, firstUnmet, type Requirement, type Unmet } from "./preconditions";
import { createThreadCommands } from "./threadCommands";

type Handler = (...args: any[]) => unknown;

export interface CommandEntry {
  /** What the command needs, checked in this order on every call. */
  requires?: readonly Requirement[];
  /** Runs when everything it requires is there. */
  enabled: Handler;
  /** Runs instead when something is missing (default: says what, and offers the fix). */
  disabled?: (why: Unmet) => Handler;
}

/** Says what is missing and returns `value` (what the command returns when it did nothing). */
const explainThen =
  (value: unknown) =>
  (why: Unmet): Handler =>
  () => {
    void explain(why).catch(() => undefined);
    return value;
  };

export function createCommands(ctx: CommandContext): Record<string, CommandEntry> {
  const { controller, tree } = ctx;
  const threads = createThreadCommands(ctx);
  const history = createHistoryCommands(ctx);
  return {
    "skein.newThread": { enabled: threads.newThread },
    "skein.openThread": { requires: ["threads"], enabled: threads.openThread },
    "skein.renameThread": { requires: ["thread"], enabled: threads.renameThread, disabled: explainThen(false) },
    "skein.deleteThread": { requires: ["thread"], enabled: threads.deleteThread, disabled: explainThen(false) },
    "skein.deleteAllThreads": { requires: ["threads"], enabled: threads.deleteAllThreads, disabled: explainThen(0) },
    "skein.setApiKey": { enabled: (value?: string) => setApiKey(ctx, value) },
    "skein.clearApiKey": { enabled: () => clearApiKey(ctx) },
    "skein.stopResponse": { enabled: () => controller.stop() },
    "skein.retryLastTurn": { requires: ["openThread", "apiKey"], enabled: () => controller.retry() },
    "skein.focusChat": {
      enabled: async () => {
        await ctx.chatView.reveal();
        controller.focusInput();
      },
    },
    "skein.refreshThreads": { enabled: () => tree.refresh() },
    "skein.showAllWorkspaces": { enabled: () => setMode(ctx, "all") },
    "skein.showThisWorkspace": { enabled: () => setMode(ctx, "workspace") },
    // Branches, search, export/import (handlers in historyCommands.ts).
    "skein.searchThreads": { requires: ["history"], enabled: history.searchThreads },
    "skein.exportThread": { requires: ["history", "thread"], enabled: history.exportThread },
    "skein.importThread": { requires: ["history"], enabled: history.importThread },
    "skein.forkThread": { requires: ["history", "thread"], enabled: history.forkThread },
    // The thread store (handlers in store/storeCommands.ts).
    "skein.connectPostgres": {
      enabled: (url?: unknown) => ctx.store?.connect(typeof url === "string" ? url : undefined),
    },
    "skein.disconnectPostgres": { enabled: () => ctx.store?.disconnect() },
    "skein.copyLocalToPostgres": { requires: ["sharedStore"], enabled: () => ctx.store?.copyLocal() },
    "skein.retryStore": { requires: ["sharedStore"], enabled: () => ctx.store?.retry() },
    // The chat's context and the tools' permissions (handlers in tools/toolCommands.ts).
    "skein.addSelectionToChat": { requires: ["editor"], enabled: () => ctx.tools?.addSelection() },
    "skein.addFileToChat": {
      requires: ["editor"],
      enabled: (target?: unknown, selection?: unknown) => ctx.tools?.addFiles(target, selection),
    },
    "skein.manageToolPermissions": {
      enabled: (remove?: unknown) =>
        ctx.tools?.managePermissions(
          typeof remove === "object" && remove !== null
            ? (remove as Parameters<ToolCommands["managePermissions"]>[0])
            : undefined,
        ),
    },
  };
}

/** Runs one entry: its enabled handler when everything it requires is there, else its disabled variant. */
async function runCommand(entry: CommandEntry, ctx: CommandContext, args: unknown[]): Promise<unknown> {
  const why = await firstUnmet(entry.requires ?? [], ctx, args);
  const handler = why ? (entry.disabled ?? explainThen(undefined))(why) : entry.enabled;
  return handler(...args);
}

async function setApiKey(ctx: CommandContext, value?: string): Promise<boolean> {
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
}

async function clearApiKey(ctx: CommandContext): Promise<boolean> {
  await ctx.apiKeys.clear();
  await ctx.refreshKeyContext();
  const { source } = await ctx.apiKeys.get();
  void vscode.window.showInformationMessage(
    source === "env"
      ? vscode.l10n.t("Stored API key removed. ANTHROPIC_API_KEY from the environment is still used.")
      : vscode.l10n.t("Stored API key removed."),
  );
  return true;
}

async function setMode(ctx: CommandContext, mode: "workspace" | "all"): Promise<void> {
  ctx.tree.setMode(mode);
  await vscode.commands.executeCommand("setContext", "skein.treeMode", mode);
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(createCommands(ctx)).map(([id, entry]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await runCommand(entry, ctx, args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        void vscode.window.showErrorMessage(vscode.l10n.t("Skein: {0}", message));
        return undefined;
      }
    }),
  );
}
