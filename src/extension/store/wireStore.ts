/**
 * Hooks the store choice into the window: the backend's savers come from StoreService, the tree shows the
 * shared workspace key and the connection state, and changes committed elsewhere (another window, machine or
 * teammate) refresh the tree at once and the open chat when it shows that thread.
 */
import * as vscode from "vscode";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { ChatController } from "../chat/chatController";
import type { ThreadsTreeProvider } from "../threads/threadsTree";
import { createStoreCommands, type StoreCommands } from "./storeCommands";
import { StoreService } from "./storeService";

export interface StoreWiring {
  store: StoreService;
  /** For SkeinBackend's `createSaver`: the current workspace's store; PostgreSQL serves this workspace only. */
  createSaver(dir: string): Promise<BaseCheckpointSaver>;
  /** Registers the rest once the tree, view and controller exist. */
  attach(parts: {
    tree: ThreadsTreeProvider;
    treeView: vscode.TreeView<unknown>;
    controller: ChatController;
  }): vscode.Disposable[];
  /** Handlers for the store's commands (registered through the one command table). */
  commands(parts: { tree: ThreadsTreeProvider; saver(): Promise<BaseCheckpointSaver> }): StoreCommands;
}

export function wireStore(context: vscode.ExtensionContext, localDir: string): StoreWiring {
  const store = new StoreService(context.secrets);
  return {
    store,
    createSaver: async (dir) => {
      if (store.isPostgres && dir !== localDir) {
        throw new Error(
          vscode.l10n.t(
            "With the PostgreSQL store, each window lists its own workspace's threads (other workspaces: open their folder).",
          ),
        );
      }
      return store.createSaver(dir);
    },
    attach: ({ tree, treeView, controller }) => {
      void store.workspaceKey.then((key) => {
        if (!store.isPostgres) return;
        tree.tooltipSuffix = vscode.l10n.t("Shared workspace: {0}", key);
        treeView.description = key;
        tree.refresh();
      });
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
        vscode.workspace.onDidChangeConfiguration(async (event) => {
          if (!event.affectsConfiguration("skein.store")) return;
          const wanted = StoreService.configuredKind();
          if ((wanted === "postgres") === store.isPostgres) return;
          const choice = await vscode.window.showInformationMessage(
            vscode.l10n.t("The thread store setting changed. Reload the window to switch stores."),
            vscode.l10n.t("Reload Window"),
          );
          if (choice) await vscode.commands.executeCommand("workbench.action.reloadWindow");
        }),
      ];
    },
    commands: ({ tree, saver }) =>
      createStoreCommands({ store, secrets: context.secrets, localDir, saver, refreshTree: () => tree.refresh() }),
  };
}
