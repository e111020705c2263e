/**
 * The thread commands: New, Open, Rename, Delete and Delete All. The command table (commands.ts) lists them with
 * what each needs; a handler here runs only once that is there (a thread to act on, threads to pick from).
 */
import * as vscode from "vscode";
import type { ThreadRef } from "../engine/backend";
import { MAX_TITLE_CHARS } from "../../checkpoint/limits";
import { toRef, type CommandContext, type PromptOverrides } from "./commandContext";

export interface ThreadCommands {
  newThread(): Promise<ThreadRef>;
  openThread(target?: unknown): Promise<ThreadRef | undefined>;
  renameThread(target?: unknown, newTitle?: string): Promise<boolean>;
  deleteThread(target?: unknown, overrides?: PromptOverrides): Promise<boolean>;
  deleteAllThreads(overrides?: PromptOverrides): Promise<number>;
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

export function createThreadCommands(ctx: CommandContext): ThreadCommands {
  const { controller, backend, tree } = ctx;

  const newThread = async () => {
    const ref = await controller.newThread();
    tree.setOpenThread(ref);
    await ctx.chatView.reveal();
    controller.focusInput();
    return ref;
  };

  const openThread = async (target?: unknown) => {
    const ref = toRef(target, ctx) ?? (await pickThread(ctx, vscode.l10n.t("Open a thread")));
    if (!ref) return undefined;
    await controller.openThread(ref);
    tree.setOpenThread(ref);
    await ctx.chatView.reveal();
    return ref;
  };

  const renameThread = async (target?: unknown, newTitle?: string) => {
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

  const deleteAllThreads = async (overrides: PromptOverrides = {}) => {
    const threads = await backend.listThreads(ctx.scope);
    if (threads.length === 0) return 0;
    if (overrides?.confirm !== false) {
      const yes = vscode.l10n.t("Delete All");
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t("Delete all {0} threads in this workspace? Their history is removed from disk.", threads.length),
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
  };

  return { newThread, openThread, renameThread, deleteThread, deleteAllThreads };
}
