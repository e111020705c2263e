/**
 * The commands of the workspace tools and the chat's context: Add Selection to Chat (editor context menu,
 * palette), Add File to Chat (Explorer context menu) and Manage Tool Permissions (the "Always allow" list, each
 * entry removable). Their handlers sit in the one command table (commands.ts).
 */
import * as vscode from "vscode";
import type { ComposerContext } from "../context/composerContext";
import type { ToolPermission, ToolPermissions } from "./permissions";

export interface ToolCommands {
  addSelection(): Promise<void>;
  /** Explorer passes the clicked file and the whole multi-selection. */
  addFiles(target?: unknown, selection?: unknown): Promise<void>;
  /** Returns what is still allowed afterwards (tests read it). */
  managePermissions(remove?: ToolPermission): Promise<ToolPermission[]>;
}

export function permissionLabel(permission: ToolPermission): string {
  return permission.tool === "edit_file"
    ? vscode.l10n.t("Edit files (edit_file)")
    : vscode.l10n.t("Run the command: {0}", permission.command);
}

export function createToolCommands(deps: {
  context: ComposerContext;
  permissions: ToolPermissions;
  revealChat(): Promise<void>;
}): ToolCommands {
  const { context, permissions } = deps;
  return {
    addSelection: async () => {
      // The command table runs this only with an editor open (the "editor" requirement says what to do else).
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      context.addSelection(editor);
      await deps.revealChat();
    },
    addFiles: async (target, selection) => {
      const uris = (Array.isArray(selection) ? selection : [target]).filter(
        (u): u is vscode.Uri => u instanceof vscode.Uri,
      );
      const fallback = vscode.window.activeTextEditor?.document.uri;
      await context.attachUris((uris.length ? uris : fallback ? [fallback] : []).map((u) => u.toString()));
      await deps.revealChat();
    },
    managePermissions: async (remove) => {
      if (remove) {
        await permissions.remove(remove);
        return permissions.list();
      }
      const entries = permissions.list();
      if (entries.length === 0) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t(
            "No tool is always allowed in this workspace. Every file edit and command asks first; choose Always allow on a card to change that.",
          ),
        );
        return entries;
      }
      const removeAll = vscode.l10n.t("Remove all");
      const picked = await vscode.window.showQuickPick(
        [
          ...entries.map((permission) => ({ label: permissionLabel(permission), permission })),
          { label: removeAll, permission: undefined },
        ],
        {
          title: vscode.l10n.t("Skein: Tools Always Allowed in This Workspace"),
          placeHolder: vscode.l10n.t("Select entries to remove; they will ask again"),
          canPickMany: true,
        },
      );
      if (!picked?.length) return entries;
      if (picked.some((p) => p.permission === undefined)) await permissions.clear();
      else for (const p of picked) if (p.permission) await permissions.remove(p.permission);
      return permissions.list();
    },
  };
}
