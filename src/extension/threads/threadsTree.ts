/**
 * The Threads tree: this workspace's threads newest first, or every workspace's threads grouped by workspace
 * ("All Workspaces"). Thin glue over ChatBackend + ScopeIndex; the text of an item comes from threadItems.ts.
 */
import * as vscode from "vscode";
import type { ChatBackend, ThreadRef, ThreadSummary } from "../engine/backend";
import type { ScopeEntry, ScopeIndex } from "./scopeIndex";
import { sortThreads, threadItemText } from "./threadItems";

export type TreeMode = "workspace" | "all";

export type ThreadNode =
  | { kind: "thread"; ref: ThreadRef; summary: ThreadSummary }
  | { kind: "scope"; entry: ScopeEntry; current: boolean }
  /** The store could not be read (e.g. PostgreSQL unreachable): says so, with Retry; the last list stays. */
  | { kind: "error"; message: string };

export const THREAD_CONTEXT = "skein.thread";
export const SCOPE_CONTEXT = "skein.workspace";

export class ThreadsTreeProvider implements vscode.TreeDataProvider<ThreadNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ThreadNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private mode: TreeMode = "workspace";
  private openThread: ThreadRef | undefined;
  /** The last list each scope showed, kept on screen (readable) while the store cannot be reached. */
  private readonly lastListed = new Map<string, ThreadNode[]>();
  /** Shown in each thread's tooltip (the shared workspace key of a PostgreSQL store). */
  tooltipSuffix: string | undefined;

  constructor(
    private readonly backend: ChatBackend,
    private readonly scopes: ScopeIndex,
    private readonly currentScope: string,
    private readonly currentName: string,
  ) {}

  get currentMode(): TreeMode {
    return this.mode;
  }

  setMode(mode: TreeMode): void {
    this.mode = mode;
    this.refresh();
  }

  setOpenThread(ref: ThreadRef): void {
    this.openThread = ref;
    this.refresh();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: ThreadNode): Promise<ThreadNode[]> {
    if (node?.kind === "thread" || node?.kind === "error") return [];
    if (node?.kind === "scope") return this.threadsOf(node.entry.key);
    if (this.mode === "workspace") {
      return this.threadsOf(this.currentScope);
    }
    const listed = await this.scopes.list();
    const current: ScopeEntry = listed.find((e) => e.key === this.currentScope) ?? {
      key: this.currentScope,
      name: this.currentName,
      lastUsed: "",
    };
    return [current, ...listed.filter((e) => e.key !== this.currentScope)].map((entry) => ({
      kind: "scope" as const,
      entry,
      current: entry.key === this.currentScope,
    }));
  }

  private async threadsOf(scope: string): Promise<ThreadNode[]> {
    let threads: ThreadSummary[];
    try {
      threads = sortThreads(await this.backend.listThreads(scope));
    } catch (error) {
      return [{ kind: "error", message: (error as Error).message }, ...(this.lastListed.get(scope) ?? [])];
    }
    const nodes = threads.map((summary) => ({ kind: "thread" as const, ref: { scope, threadId: summary.threadId }, summary }));
    this.lastListed.set(scope, nodes);
    return nodes;
  }

  getTreeItem(node: ThreadNode): vscode.TreeItem {
    if (node.kind === "error") {
      const item = new vscode.TreeItem(vscode.l10n.t("Threads unavailable — Retry"), vscode.TreeItemCollapsibleState.None);
      item.id = "store-error";
      item.description = node.message;
      item.tooltip = `${node.message}\n${vscode.l10n.t("Click to retry. Threads already open stay readable; nothing is written elsewhere meanwhile.")}`;
      item.iconPath = new vscode.ThemeIcon("warning");
      item.command = { command: "skein.retryStore", title: vscode.l10n.t("Retry") };
      return item;
    }
    if (node.kind === "scope") {
      const item = new vscode.TreeItem(node.entry.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `scope:${node.entry.key}`;
      item.contextValue = SCOPE_CONTEXT;
      item.iconPath = new vscode.ThemeIcon(node.current ? "root-folder-opened" : "root-folder");
      if (node.current) item.description = vscode.l10n.t("this workspace");
      item.tooltip = node.entry.source ? decodeURIComponent(node.entry.source) : node.entry.name;
      return item;
    }
    const text = threadItemText(
      node.summary,
      new Date(),
      {
        untitled: vscode.l10n.t("New Thread"),
        messages: (count) => (count === 1 ? vscode.l10n.t("1 message") : vscode.l10n.t("{0} messages", count)),
        justNow: vscode.l10n.t("just now"),
      },
      vscode.env.language,
    );
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    item.id = `thread:${node.ref.scope}/${node.ref.threadId}`;
    item.description = text.description;
    item.tooltip = this.tooltipSuffix ? `${text.tooltip}\n${this.tooltipSuffix}` : text.tooltip;
    item.contextValue = THREAD_CONTEXT;
    const isOpen = this.openThread?.scope === node.ref.scope && this.openThread.threadId === node.ref.threadId;
    item.iconPath = new vscode.ThemeIcon(isOpen ? "comment-discussion" : "comment");
    item.command = { command: "skein.openThread", title: vscode.l10n.t("Open Thread"), arguments: [node] };
    item.accessibilityInformation = { label: `${text.label}, ${text.description}` };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
