/**
 * The history commands: Search Threads, Export Thread, Import Thread, Fork Thread. The command table in
 * commands.ts lists them (one table for every `skein.*` id) with what they need: the history, and for Export and
 * Fork a thread with messages. The logic lives in the vscode-free thread service (src/chat/threadService.ts).
 * Arguments let tests and other commands skip the dialogs.
 */
import * as vscode from "vscode";
import type { HistoryBackend, ThreadRef, ThreadSearchHit } from "../engine/backend";
import { toRef, type CommandContext } from "./commandContext";
import { safeFileName } from "./exportFileName";
import { plainSnippet } from "./searchSnippet";
// Refused before reading: the largest export Skein writes (the JSON parser checks the same limit).
import { MAX_EXPORT_BYTES as MAX_IMPORT_BYTES } from "../../checkpoint/limits";

interface HitItem extends vscode.QuickPickItem {
  /** Absent on the "no thread mentions …" row. */
  hit?: ThreadSearchHit;
}

export interface HistoryCommands {
  /**
   * Opens the Search quick pick (prefilled with `query`). With `{ interactive: false }` it returns the hits
   * without UI, and opens hit number `open` if given (for tests and other commands).
   */
  searchThreads(query?: unknown, options?: unknown): Promise<ThreadSearchHit | ThreadSearchHit[] | undefined>;
  exportThread(target?: unknown, format?: unknown, uri?: unknown): Promise<string | undefined>;
  importThread(uri?: unknown): Promise<ThreadRef | undefined>;
  forkThread(target?: unknown, messageId?: unknown): Promise<ThreadRef | undefined>;
}

export function createHistoryCommands(ctx: CommandContext): HistoryCommands {
  // The table runs these only with a history (the "history" requirement); this keeps the types honest.
  const history = (): HistoryBackend => {
    if (!ctx.backend.history) throw new Error(vscode.l10n.t("Thread history is not available."));
    return ctx.backend.history;
  };
  const show = async (ref: ThreadRef, messageId?: string) => {
    await ctx.controller.openAt(ref, messageId);
    ctx.tree.setOpenThread(ref);
    await ctx.chatView.reveal();
  };

  const searchThreads = async (
    query?: unknown,
    options?: unknown,
  ): Promise<ThreadSearchHit | ThreadSearchHit[] | undefined> => {
    const scopes = async (all: boolean) =>
      all && ctx.allScopes ? [...new Set([ctx.scope, ...(await ctx.allScopes())])] : [ctx.scope];
    const headless = (options ?? {}) as { interactive?: unknown; open?: unknown; allWorkspaces?: unknown };
    if (headless.interactive === false && typeof query === "string") {
      const { hits } = await history().search(await scopes(headless.allWorkspaces === true), query);
      const chosen = typeof headless.open === "number" ? hits[headless.open] : undefined;
      if (chosen) await show(chosen.ref, chosen.messageId);
      return hits;
    }
    const pick = vscode.window.createQuickPick<HitItem>();
    let all = false;
    const allButton: vscode.QuickInputButton = {
      iconPath: new vscode.ThemeIcon("folder-library"),
      tooltip: vscode.l10n.t("Search All Workspaces"),
    };
    const thisButton: vscode.QuickInputButton = {
      iconPath: new vscode.ThemeIcon("root-folder"),
      tooltip: vscode.l10n.t("Search This Workspace"),
    };
    const title = () => (all ? vscode.l10n.t("Search Threads (All Workspaces)") : vscode.l10n.t("Search Threads"));
    pick.title = title();
    pick.placeholder = vscode.l10n.t("Search thread titles and messages");
    // "All Workspaces" searches every workspace's store; offered when scopes are known.
    pick.buttons = ctx.allScopes ? [allButton] : [];
    // Results are already filtered by the index (alwaysShow keeps VS Code's own filter from hiding any); matching
    // on the detail makes the picker highlight the words found in each snippet.
    pick.matchOnDescription = false;
    pick.matchOnDetail = true;
    let seq = 0;
    const update = async () => {
      const value = pick.value;
      const mine = ++seq;
      if (!value.trim()) {
        pick.items = [];
        pick.placeholder = vscode.l10n.t("Search thread titles and messages");
        return;
      }
      pick.busy = true;
      try {
        const result = await history().search(await scopes(all), value);
        if (mine !== seq) return;
        const items: HitItem[] = result.hits.map((hit) => ({
          label: hit.title.trim() || vscode.l10n.t("New Thread"),
          description: hit.messageId ? roleLabel(hit.role) : vscode.l10n.t("title"),
          // Plain text (a reply's markdown would show as raw marks); the picker highlights what matched.
          detail: plainSnippet(hit.snippet),
          alwaysShow: true,
          hit,
        }));
        if (items.length === 0)
          items.push({
            label: `$(info) ${vscode.l10n.t("No thread mentions “{0}”.", value.trim())}`,
            alwaysShow: true,
          });
        pick.items = items;
      } finally {
        if (mine === seq) pick.busy = false;
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    pick.onDidChangeValue(() => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void update(), 120);
    });
    pick.onDidTriggerButton((button) => {
      all = button === allButton;
      pick.buttons = [all ? thisButton : allButton];
      pick.title = title();
      void update();
    });
    if (typeof query === "string") pick.value = query;
    const chosen = await new Promise<HitItem | undefined>((resolve) => {
      // The "no thread mentions …" row is only information: accepting it keeps the search open.
      pick.onDidAccept(() => pick.selectedItems[0]?.hit && resolve(pick.selectedItems[0]));
      pick.onDidHide(() => resolve(undefined));
      pick.show();
      if (typeof query === "string" && query) void update();
    });
    pick.dispose();
    if (timer) clearTimeout(timer);
    if (!chosen?.hit) return undefined;
    await show(chosen.hit.ref, chosen.hit.messageId);
    return chosen.hit;
  };

  const exportThread = async (target?: unknown, format?: unknown, uri?: unknown): Promise<string | undefined> => {
    const ref = toRef(target, ctx) ?? ctx.controller.openRef;
    const kind =
      format === "markdown" || format === "json"
        ? format
        : (
            await vscode.window.showQuickPick(
              [
                {
                  label: vscode.l10n.t("Markdown"),
                  description: vscode.l10n.t("Readable; the branch that is shown"),
                  format: "markdown" as const,
                },
                {
                  label: vscode.l10n.t("JSON"),
                  description: vscode.l10n.t("Lossless; every branch, can be imported"),
                  format: "json" as const,
                },
              ],
              { title: vscode.l10n.t("Export Thread"), placeHolder: vscode.l10n.t("Export as") },
            )
          )?.format;
    if (!kind) return undefined;
    const text = await history().exportThread(ref, kind);
    const title =
      (await ctx.backend.listThreads(ref.scope)).find((t) => t.threadId === ref.threadId)?.title?.trim() || "thread";
    const extension = kind === "json" ? "json" : "md";
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = `${safeFileName(title)}.${kind === "json" ? "skein.json" : "md"}`;
    const target_ =
      uri instanceof vscode.Uri
        ? uri
        : typeof uri === "string"
          ? vscode.Uri.file(uri)
          : await vscode.window.showSaveDialog({
              title: vscode.l10n.t("Export Thread"),
              defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
              filters:
                kind === "json" ? { [vscode.l10n.t("Skein thread (JSON)")]: [extension] } : { Markdown: [extension] },
            });
    if (!target_) return undefined;
    await vscode.workspace.fs.writeFile(target_, new TextEncoder().encode(text));
    // Say where the file went, with the way to look at it.
    const open = vscode.l10n.t("Open");
    const where = target_.scheme === "file" ? target_.fsPath : target_.toString(true);
    void Promise.resolve(
      vscode.window.showInformationMessage(vscode.l10n.t("Exported “{0}” to {1}", title, where), open),
    ).then(async (choice) => {
      if (choice === open) await vscode.window.showTextDocument(target_, { preview: false });
    });
    return target_.toString();
  };

  const importThread = async (uri?: unknown): Promise<ThreadRef | undefined> => {
    const source =
      uri instanceof vscode.Uri
        ? uri
        : typeof uri === "string"
          ? vscode.Uri.file(uri)
          : (
              await vscode.window.showOpenDialog({
                title: vscode.l10n.t("Import Thread"),
                canSelectMany: false,
                filters: { [vscode.l10n.t("Skein thread (JSON)")]: ["json"] },
              })
            )?.[0];
    if (!source) return undefined;
    const stat = await vscode.workspace.fs.stat(source);
    if (stat.size > MAX_IMPORT_BYTES) {
      throw new Error(
        vscode.l10n.t(
          "The file is larger than {0} MB; a Skein thread export is never that big.",
          MAX_IMPORT_BYTES / 1024 / 1024,
        ),
      );
    }
    const text = new TextDecoder("utf-8", { fatal: false }).decode(await vscode.workspace.fs.readFile(source));
    const threadId = await history().importThread(ctx.scope, text);
    const ref = { scope: ctx.scope, threadId };
    ctx.tree.refresh();
    await show(ref);
    return ref;
  };

  const forkThread = async (target?: unknown, messageId?: unknown): Promise<ThreadRef | undefined> => {
    const ref = toRef(target, ctx) ?? ctx.controller.openRef;
    let at = typeof messageId === "string" ? messageId : undefined;
    if (!at) at = (await ctx.backend.loadThread(ref))?.messages.at(-1)?.id;
    if (!at) throw new Error(vscode.l10n.t("The thread has no messages to fork from."));
    const fork = await ctx.controller.forkFrom(ref, at);
    if (!fork) return undefined;
    ctx.tree.setOpenThread(fork);
    ctx.tree.refresh();
    await ctx.chatView.reveal();
    return fork;
  };

  return { searchThreads, exportThread, importThread, forkThread };
}

function roleLabel(role: string | undefined): string {
  if (role === "user") return vscode.l10n.t("You");
  if (role === "assistant") return vscode.l10n.t("Assistant");
  if (role === "tool") return vscode.l10n.t("Tool");
  return role ?? "";
}
