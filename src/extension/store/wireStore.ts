/**
 * Hooks the store choice into the window: the backend's savers come from StoreService, the tree shows the
 * shared workspace key and the connection state, and changes committed elsewhere (another window, machine or
 * teammate) refresh the tree at once and the open chat when it shows that thread. Switching stores (the
 * setting, Connect, Disconnect, or another window of this machine changing the connection string) takes effect
 * in place: running turns stop and finish writing, the open stores close, tree and chat reload from the new one.
 */
import { createHash } from "node:crypto";
import * as vscode from "vscode";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { PostgresSaver } from "../../checkpoint/postgres";
import type { ChatController } from "../chat/chatController";
import type { ScopeEntry } from "../threads/scopeIndex";
import type { ThreadsTreeProvider } from "../threads/threadsTree";
import { createStoreCommands, type StoreCommands } from "./storeCommands";
import { POSTGRES_SECRET, StoreService } from "./storeService";

export interface StoreWiring {
  store: StoreService;
  /**
   * For SkeinBackend's `createSaver`: a scope's store. With PostgreSQL: this workspace's key, or another key on
   * the server that "All Workspaces" listed (as a `shared-…` scope).
   */
  createSaver(dir: string, scope: string): Promise<BaseCheckpointSaver>;
  /** Registers the rest once the tree, view and controller exist. */
  attach(parts: {
    tree: ThreadsTreeProvider;
    treeView: vscode.TreeView<unknown>;
    controller: ChatController;
    /** Closes every store and thread service the window opened (the next use opens them again). */
    closeStores(): Promise<void>;
    /** This window's workspace store (in PostgreSQL mode, a PostgresSaver). */
    currentSaver(): Promise<BaseCheckpointSaver>;
  }): vscode.Disposable[];
  /** Handlers for the store's commands (registered through the one command table). */
  commands(parts: { tree: ThreadsTreeProvider; saver(): Promise<BaseCheckpointSaver> }): StoreCommands;
}

/** The scope standing for another workspace key on the server (a name its search cache file can carry). */
function sharedScopeKey(workspace: string): string {
  return `shared-${createHash("sha256").update(workspace).digest("hex").slice(0, 16)}`;
}

export function wireStore(context: vscode.ExtensionContext, currentScope: string, localDir: string): StoreWiring {
  const store = new StoreService(context.secrets);
  let switchStore: () => Promise<void> = async () => undefined;
  /** Scopes standing for other workspace keys on the PostgreSQL server → their key. */
  const sharedScopes = new Map<string, string>();
  return {
    store,
    createSaver: async (dir, scope) => {
      const workspace = sharedScopes.get(scope);
      if (store.isPostgres && workspace !== undefined) return store.createSaver(dir, workspace);
      if (store.isPostgres && dir !== localDir) {
        throw new Error(
          vscode.l10n.t(
            "With the PostgreSQL store, each window lists its own workspace's threads (other workspaces: open their folder).",
          ),
        );
      }
      return store.createSaver(dir);
    },
    attach: ({ tree, treeView, controller, closeStores, currentSaver }) => {
      const showKey = () =>
        void store.workspaceKey.then((key) => {
          const shared = store.isPostgres;
          tree.tooltipSuffix = shared ? vscode.l10n.t("Shared workspace: {0}", key) : undefined;
          treeView.description = shared ? key : undefined;
          tree.scopeSource = shared ? () => serverWorkspaces(key) : undefined;
          tree.refresh();
        });
      // "All Workspaces" on a server: every workspace key with threads there, this window's first.
      const serverWorkspaces = async (key: string): Promise<ScopeEntry[]> => {
        const saver = (await currentSaver()) as PostgresSaver;
        const entries: ScopeEntry[] = [{ key: currentScope, name: key, lastUsed: "" }];
        for (const { workspace, updatedAt } of await saver.listWorkspaces()) {
          if (workspace === key) {
            entries[0]!.lastUsed = updatedAt;
            continue;
          }
          const scope = sharedScopeKey(workspace);
          sharedScopes.set(scope, workspace);
          entries.push({ key: scope, name: workspace || vscode.l10n.t("(no workspace key)"), lastUsed: updatedAt });
        }
        return entries;
      };
      showKey();
      let queue = Promise.resolve();
      const switchNow = async () => {
        const wanted = StoreService.configuredKind();
        const url = wanted === "postgres" ? await context.secrets.get(POSTGRES_SECRET) : undefined;
        if ((wanted === "postgres") === store.isPostgres && url === store.connectedUrl) return;
        await controller.settleAll();
        await closeStores();
        await store.reset();
        showKey();
        await controller.storeSwitched();
      };
      // One switch at a time (Connect changes the secret and the setting: two events, one switch).
      switchStore = () => (queue = queue.then(switchNow, switchNow));
      let pending: ReturnType<typeof setTimeout> | undefined;
      const refreshSoon = () => {
        // A turn commits three checkpoints in a burst: one refresh for them.
        if (pending) return;
        pending = setTimeout(() => {
          pending = undefined;
          tree.refresh();
        }, 50);
      };
      return [
        store,
        { dispose: () => clearTimeout(pending) },
        store.onDidChangeState(() => tree.refresh()),
        store.onDidChangeThreads((change) => {
          if (store.isOwnChange(change)) return;
          refreshSoon();
          const open = controller.openRef;
          if ((change.threadId === open.threadId || change.kind === "resync") && !controller.isStreaming())
            void controller.refresh();
        }),
        vscode.workspace.onDidChangeConfiguration((event) => {
          if (event.affectsConfiguration("skein.store")) void switchStore();
        }),
        context.secrets.onDidChange((event) => {
          if (event.key === POSTGRES_SECRET) void switchStore();
        }),
      ];
    },
    commands: ({ tree, saver }) =>
      createStoreCommands({
        store,
        secrets: context.secrets,
        localDir,
        saver,
        refreshTree: () => tree.refresh(),
        switchStore: () => switchStore(),
      }),
  };
}
