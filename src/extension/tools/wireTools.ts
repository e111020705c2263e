/**
 * Builds the editor's side of the workspace tools for this window — the WorkspaceHost the engine's tools run
 * on, the "Always allow" list, the proposed-edit diffs, the composer's context and the approvals' marks — and
 * registers what of it VS Code must own.
 */
import type * as vscode from "vscode";
import { ApprovalTracker } from "../chat/approvalTracker";
import { ComposerContext } from "../context/composerContext";
import type { SkeinSettings } from "../settings/settings";
import { ToolPermissions } from "./permissions";
import { ProposedEdits } from "./proposedEdits";
import { createToolCommands, type ToolCommands } from "./toolCommands";
import { VscodeWorkspaceHost } from "./workspaceHost";

export interface ToolWiring {
  host: VscodeWorkspaceHost;
  permissions: ToolPermissions;
  proposed: ProposedEdits;
  composer: ComposerContext;
  approvals: ApprovalTracker;
  commands(deps: { revealChat(): Promise<void> }): ToolCommands;
}

export function wireTools(
  context: vscode.ExtensionContext,
  options: { scope: string; settings(): SkeinSettings },
): ToolWiring {
  const permissions = new ToolPermissions(context.workspaceState);
  // Trust is read per turn (`isTrusted()`): granting it offers edit_file and run_command from the next turn on.
  const host = new VscodeWorkspaceHost({ permissions, externalEnabled: () => options.settings().tools.external });
  const proposed = new ProposedEdits();
  const composer = new ComposerContext(() => options.settings().tools.maxFileBytes);
  const approvals = new ApprovalTracker(context.workspaceState);
  context.subscriptions.push(proposed, composer);
  return {
    host,
    permissions,
    proposed,
    composer,
    approvals,
    commands: (deps) => createToolCommands({ context: composer, permissions, revealChat: deps.revealChat }),
  };
}
