/**
 * The Threads tree: this workspace's threads newest first, or every workspace's threads grouped by workspace
 * ("All Workspaces"). Thin glue over ChatBackend + ScopeIndex; the text of an item comes from threadItems.ts.
 * A thread is listed once it has a message; the selected row is always the thread open in the chat; the context
 * keys `skein.hasThreads` and `skein.openThreadHasMessages` say which thread commands make sense.
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
  private view: vscode.TreeView<ThreadNode> | undefined;
  /** The last list each scope showed, kept on screen (readable) while the store cannot be reached. */
  private readonly lastListed = new Map<string, ThreadNode[]>();
  /** Shown in each thread's tooltip (the shared workspace key of a PostgreSQL store). */
  tooltipSuffix: string | undefined;
  /** How many tool calls of a thread wait for approval (such threads are marked). */
  approvalsWaiting: ((ref: ThreadRef) => number) | undefined;
  /** The workspaces "All Workspaces" lists when they are not this machine's local stores (a shared server's). */
  scopeSource: (() => Promise<ScopeEntry[]>) | undefined;

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

  /** The view showing this tree: its selection follows the open thread while it is visible. */
  attachView(view: vscode.TreeView<ThreadNode>): vscode.Disposable {
    this.view = view;
    return view.onDidChangeVisibility((e) => e.visible && void this.selectOpen());
  }

  setOpenThread(ref: ThreadRef): void {
    this.openThread = ref;
    this.refresh();
    void this.selectOpen();
  }

  refresh(): void {
    this.changed.fire(undefined);
    void this.updateContext();
  }

  /** Selects the open thread's row (an empty thread has none: then no row is selected, see `getTreeItem`). */
  async selectOpen(): Promise<void> {
    const open = this.openThread;
    if (!open || !this.view?.visible) return;
    const node = (await this.threadsOf(open.scope)).find(
      (n) => n.kind === "thread" && n.ref.threadId === open.threadId,
    );
    if (node && open === this.openThread)
      await Promise.resolve(this.view.reveal(node, { select: true, focus: false })).catch(() => undefined);
  }

  /** Which thread commands the palette offers: those needing a thread only when there is one to act on. */
  private async updateContext(): Promise<void> {
    const open = this.openThread;
    const [mine, openScope] = await Promise.all([
      this.backend.listThreads(this.currentScope).catch(() => []),
      open && open.scope !== this.currentScope ? this.backend.listThreads(open.scope).catch(() => []) : undefined,
    ]);
    const listed = (threads: ThreadSummary[]) => threads.filter((t) => t.messageCount !== 0);
    const hasOpen = Boolean(open && listed(openScope ?? mine).some((t) => t.threadId === open.threadId));
    await vscode.commands.executeCommand("setContext", "skein.hasThreads", listed(mine).length > 0);
    await vscode.commands.executeCommand("setContext", "skein.openThreadHasMessages", hasOpen);
  }

  /** Thread rows sit under their workspace in "All Workspaces" (needed to reveal and select them). */
  async getParent(node: ThreadNode): Promise<ThreadNode | undefined> {
    if (node.kind !== "thread" || this.mode === "workspace") return undefined;
    const entry = (await this.allScopes()).find((e) => e.key === node.ref.scope) ?? {
      key: node.ref.scope,
      name: this.currentName,
      lastUsed: "",
    };
    return { kind: "scope", entry, current: entry.key === this.currentScope };
  }

  async getChildren(node?: ThreadNode): Promise<ThreadNode[]> {
    if (node?.kind === "thread" || node?.kind === "error") return [];
    if (node?.kind === "scope") return this.threadsOf(node.entry.key);
    if (this.mode === "workspace") {
      return this.threadsOf(this.currentScope);
    }
    const listed = await this.allScopes();
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

  /** Every workspace "All Workspaces" shows (and Search All Workspaces searches). */
  async allScopes(): Promise<ScopeEntry[]> {
    return this.scopeSource ? this.scopeSource() : this.scopes.list();
  }

  private async threadsOf(scope: string): Promise<ThreadNode[]> {
    let threads: ThreadSummary[];
    try {
      // A thread comes into being with its first message (empty ones from older versions are not listed).
      threads = sortThreads((await this.backend.listThreads(scope)).filter((t) => t.messageCount !== 0));
    } catch (error) {
      return [{ kind: "error", message: (error as Error).message }, ...(this.lastListed.get(scope) ?? [])];
    }
    const nodes = threads.map((summary) => ({
      kind: "thread" as const,
      ref: { scope, threadId: summary.threadId },
      summary,
    }));
    this.lastListed.set(scope, nodes);
    return nodes;
  }

  getTreeItem(node: ThreadNode): vscode.TreeItem {
    if (node.kind === "error") {
      const item = new vscode.TreeItem(
        vscode.l10n.t("Threads unavailable — Retry"),
        vscode.TreeItemCollapsibleState.None,
      );
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
        imported: (title) => vscode.l10n.t("{0} (imported)", title),
      },
      vscode.env.language,
    );
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    const isOpen = this.openThread?.scope === node.ref.scope && this.openThread.threadId === node.ref.threadId;
    // The open row's id differs from the others', so when another thread opens the old row is a new element and
    // loses the selection even if the new open thread has no row yet (the API cannot clear a selection).
    item.id = `thread:${node.ref.scope}/${node.ref.threadId}${isOpen ? "#open" : ""}`;
    const waiting = this.approvalsWaiting?.(node.ref) ?? 0;
    const waitingText = waiting > 0 ? vscode.l10n.t("waiting for approval") : "";
    item.description = [waitingText, text.description].filter(Boolean).join(" · ");
    const tooltip = [text.tooltip, waitingText].filter(Boolean).join("\n");
    item.tooltip = this.tooltipSuffix ? `${tooltip}\n${this.tooltipSuffix}` : tooltip;
    item.contextValue = THREAD_CONTEXT;
    item.iconPath =
      waiting > 0
        ? new vscode.ThemeIcon("bell-dot", new vscode.ThemeColor("notificationsInfoIcon.foreground"))
        : new vscode.ThemeIcon(isOpen ? "comment-discussion" : "comment");
    item.command = { command: "skein.openThread", title: vscode.l10n.t("Open Thread"), arguments: [node] };
    item.accessibilityInformation = { label: `${text.label}, ${item.description}` };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
