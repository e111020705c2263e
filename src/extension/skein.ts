/**
 * Everything one window of Skein holds, wired once (rust-analyzer's ctx.ts): the workspace scope and its store,
 * the API key, the thread services, the chat view, the Threads tree and the command table. Each registration
 * is owned here (`_register`) and disposed with it. Nothing heavy runs here: the store opens when the tree or
 * chat first asks for it, and the SDK and chat graph load on the first turn.
 */
import * as vscode from "vscode";
import { ApiKeyService } from "./settings/apiKey";
import { ChatController } from "./chat/chatController";
import { CHAT_VIEW_ID, ChatViewProvider } from "./chat/panel/chatViewProvider";
import { insertCodeAtCursor, openCodeInEditor } from "./chat/panel/codeBlocks";
import { registerCommands } from "./commands/commands";
import { Disposable, toDisposable } from "./lifecycle";
import { ScopeIndex } from "./threads/scopeIndex";
import { readBaseUrl, readSettings } from "./settings/settings";
import { ThreadServices } from "./engine/threadServices";
import { webviewStrings } from "./chat/panel/strings";
import { ThreadsTreeProvider } from "./threads/threadsTree";
import { ThemeTokenColors } from "./theme/activeTheme";
import { scopeFor } from "./engine/workspaceScope";
import { wireStore } from "./store/wireStore";
import { wireTools } from "./tools/wireTools";
import { toApprovalView } from "./chat/view/approvalView";
import type { ApprovalView, ComposerContextView } from "../protocol/types";
import type { ToolApprovalDecision } from "../chat/tools/types";

export const THREADS_VIEW_ID = "skein.threads";

/** Returned from activate for the in-editor suite (`vscode.extensions.getExtension("skein.skein").exports`). */
export interface SkeinApi {
  /** This window's workspace scope key. */
  scope: string;
  /** Absolute path of this workspace's store directory. */
  storeDir: string;
  /** Absolute path of the directory holding every workspace's store. */
  workspacesDir: string;
  /** The thread shown in the chat view. */
  openThread(): { scope: string; threadId: string };
  isStreaming(): boolean;
  /** Test hook: the Threads tree's top-level items, as the tree view shows them. */
  treeItems(): Promise<vscode.TreeItem[]>;
  /** Which thread store this window uses and its state ("local", "connected", "unreachable", …). */
  storeState(): string;
  /** Test hook: sends `text` in the open thread as the chat input does; resolves when the turn has ended. */
  send(text: string): Promise<void>;
  /** Test hook: the open thread's tool calls waiting for approval (what its cards show). */
  pendingApprovals(): Promise<ApprovalView[]>;
  /** Test hook: answers one card of the open thread as its buttons do; resolves when the resumed turn has ended. */
  answer(interruptId: string, decision: ToolApprovalDecision): Promise<void>;
  /** Test hook: the composer's context chips now. */
  composerContext(): ComposerContextView;
}

export class Skein extends Disposable {
  readonly api: SkeinApi;
  private readonly apiKeys: ApiKeyService;
  private readonly controller: ChatController;

  constructor(context: vscode.ExtensionContext) {
    super();
    const scope = scopeFor(
      {
        workspaceFile: vscode.workspace.workspaceFile?.toString(),
        folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
        name: vscode.workspace.name,
      },
      vscode.l10n.t("Empty Window"),
    );
    const workspacesDir = vscode.Uri.joinPath(context.globalStorageUri, "workspaces").fsPath;
    const scopes = new ScopeIndex(workspacesDir);
    void scopes.touch(scope).catch(() => undefined); // a label cache; failing to write it loses nothing

    // Local files or the shared PostgreSQL store (machine setting; see store/).
    const storeWiring = wireStore(context, scope.key, scopes.dirFor(scope.key));
    const apiKeys = (this.apiKeys = new ApiKeyService(context.secrets));
    let lastKey: string | undefined;
    const settings = () => readSettings((key) => vscode.workspace.getConfiguration("skein").get(key));
    // The workspace tools' editor side, the composer's context and the approvals' marks (tools/wireTools.ts).
    const tools = wireTools(context, { scope: scope.key, settings });
    const backend = new ThreadServices({
      dirFor: (key) => scopes.dirFor(key),
      settings: () => {
        const current = settings();
        // An untrusted workspace must not redirect requests that carry the key (also declared as restricted).
        if (!vscode.workspace.isTrusted) {
          // The workspace's own value (and its error) does not count; the user's may be invalid too.
          const user = userBaseUrl();
          current.baseUrl = user.baseUrl;
          current.baseUrlError = user.baseUrlError;
        }
        return current;
      },
      apiKey: async () => {
        lastKey = (await apiKeys.get()).key;
        return lastKey;
      },
      createSaver: (dir, key) => storeWiring.createSaver(dir, key),
      workspaceHost: () => tools.host,
    });
    // Disposed newest first: the chat stops its runs before the stores close.
    this._register(toDisposable(() => void backend.close()));

    const canAuthenticate = async () => (await apiKeys.get()).source !== "none" || Boolean(settings().baseUrl);
    const tree = this._register(new ThreadsTreeProvider(backend, scopes, scope.key, scope.name));
    const controller = (this.controller = new ChatController({
      backend,
      scope: scope.key,
      state: context.workspaceState,
      strings: webviewStrings(),
      runCommand: (command) => void vscode.commands.executeCommand(`skein.${command}`),
      copyToClipboard: (text) => vscode.env.clipboard.writeText(text),
      insertCode: insertCodeAtCursor,
      openCode: openCodeInEditor,
      // setOpenThread refreshes too; it also follows threads the chat opened itself (a fork from a message).
      onThreadsChanged: () => tree.setOpenThread(controller.openRef),
      onStreamingChanged: (streaming) =>
        void vscode.commands.executeCommand("setContext", "skein.streaming", streaming),
      secrets: () => (lastKey ? [lastKey] : []),
      canAuthenticate,
      context: tools.composer,
      showDiff: (request, interruptId) => tools.proposed.show(request, interruptId),
      approvals: tools.approvals,
    }));
    // Code blocks in the chat take the active theme's syntax colours, and follow theme changes.
    const themeColors = new ThemeTokenColors(() => chatView.postTokenColors());
    const chatView = new ChatViewProvider(context.extensionUri, controller, () => themeColors.colors);
    const treeView = this._register(vscode.window.createTreeView(THREADS_VIEW_ID, { treeDataProvider: tree }));
    this._register(tree.attachView(treeView));
    tree.approvalsWaiting = (ref) => tools.approvals.waiting(ref);
    const showWaiting = () => chatView.setWaitingApprovals(tools.approvals.total(scope.key));
    showWaiting();
    this._register(tools.composer.onDidChange(() => controller.postContext()));
    this._register(
      tools.approvals.onDidChange(() => {
        showWaiting();
        tree.refresh();
      }),
    );
    this._register(themeColors);
    tree.setOpenThread(controller.openRef);
    // While the tree is visible, "5 minutes ago" keeps up with the clock and threads another window of this
    // workspace created appear, without watching files.
    let ticker: ReturnType<typeof setInterval> | undefined;
    const tick = (visible: boolean) => {
      if (ticker) clearInterval(ticker);
      ticker = visible ? setInterval(() => tree.refresh(), 60_000) : undefined;
    };
    tick(treeView.visible);
    this._register(treeView.onDidChangeVisibility((e) => tick(e.visible)));
    this._register(toDisposable(() => tick(false)));
    this._register(controller);
    this._register(vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chatView));
    for (const command of registerCommands({
      scope: scope.key,
      backend,
      controller,
      tree,
      chatView,
      apiKeys,
      refreshKeyContext: () => this.refreshKeyContext(),
      canAuthenticate,
      allScopes: async () => (await tree.allScopes()).map((entry) => entry.key),
      store: storeWiring.commands({ tree, saver: () => backend.saver(scope.key) }),
      tools: tools.commands({ revealChat: () => chatView.reveal() }),
    }))
      this._register(command);
    this._register(context.secrets.onDidChange(() => void this.refreshKeyContext()));
    for (const registration of storeWiring.attach({
      tree,
      treeView,
      controller,
      closeStores: () => backend.close(),
      currentSaver: () => backend.saver(scope.key),
    }))
      this._register(registration);
    void vscode.commands.executeCommand("setContext", "skein.treeMode", "workspace");
    void this.refreshKeyContext();

    this.api = {
      scope: scope.key,
      storeDir: scopes.dirFor(scope.key),
      workspacesDir,
      openThread: () => controller.openRef,
      isStreaming: () => controller.isStreaming(),
      treeItems: async () => (await tree.getChildren()).map((node) => tree.getTreeItem(node)),
      send: (text) => controller.send(controller.openRef, text),
      pendingApprovals: async () => ((await backend.pendingApprovals(controller.openRef)) ?? []).map(toApprovalView),
      answer: (interruptId, decision) => controller.answer(controller.openRef, interruptId, decision),
      composerContext: () => tools.composer.view(),
      storeState: () => storeWiring.store.state,
    };
  }

  /** Re-reads whether a key is available: the `skein.hasApiKey` context key and the chat's key notice. */
  private async refreshKeyContext(): Promise<void> {
    const { source } = await this.apiKeys.get();
    await vscode.commands.executeCommand("setContext", "skein.hasApiKey", source !== "none");
    await this.controller?.refresh();
  }
}

/** In an untrusted workspace only the user-level base URL counts (workspace values are ignored). */
function userBaseUrl(): ReturnType<typeof readBaseUrl> {
  const inspected = vscode.workspace.getConfiguration("skein").inspect<string>("baseUrl");
  return readBaseUrl(inspected?.globalValue);
}
