/**
 * The editor's side of the workspace tools (src/chat/tools): what they read and change goes through VS Code, so
 * an edit is a WorkspaceEdit (undoable, applied to the open document with its unsaved changes), a read sees the
 * editor's text, problems come from the language services, search uses the ripgrep VS Code ships, trust follows
 * Workspace Trust and "Always allow" is kept per workspace.
 */
import { dirname } from "node:path";
import * as vscode from "vscode";
import type {
  CommandResult,
  CommandRunOptions,
  DiagnosticSeverity,
  ExternalTool,
  WorkspaceDiagnostic,
  WorkspaceFolder,
  WorkspaceHost,
} from "../../chat/tools/types";
import { runShellCommand } from "../../chat/tools/commandRunner";
import { EditTargetError, planEdit } from "./editPlan";
import { permissionFor, type ToolPermissions } from "./permissions";
import { locateRipgrep } from "./ripgrep";
import { externalTools } from "./externalTools";

export interface VscodeWorkspaceHostOptions {
  permissions: ToolPermissions;
  /** `skein.tools.external`, read per turn. */
  externalEnabled(): boolean;
}

const SEVERITY: Record<vscode.DiagnosticSeverity, DiagnosticSeverity> = {
  [vscode.DiagnosticSeverity.Error]: "error",
  [vscode.DiagnosticSeverity.Warning]: "warning",
  [vscode.DiagnosticSeverity.Information]: "information",
  [vscode.DiagnosticSeverity.Hint]: "hint",
};

export class VscodeWorkspaceHost implements WorkspaceHost {
  private ripgrep: { path: string | undefined } | undefined;

  constructor(private readonly options: VscodeWorkspaceHostOptions) {}

  folders(): readonly WorkspaceFolder[] {
    // Only folders on this machine's disk: the tools read with node:fs and run processes there.
    return (vscode.workspace.workspaceFolders ?? [])
      .filter((folder) => folder.uri.scheme === "file")
      .map((folder) => ({ name: folder.name, path: folder.uri.fsPath }));
  }

  isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  readText(absPath: string): string | undefined {
    return this.openDocument(absPath)?.getText();
  }

  diagnostics(absPath?: string): readonly WorkspaceDiagnostic[] {
    const entries: [vscode.Uri, readonly vscode.Diagnostic[]][] =
      absPath !== undefined
        ? [[vscode.Uri.file(absPath), vscode.languages.getDiagnostics(vscode.Uri.file(absPath))]]
        : vscode.languages.getDiagnostics();
    const out: WorkspaceDiagnostic[] = [];
    for (const [uri, diagnostics] of entries) {
      if (uri.scheme !== "file") continue;
      for (const d of diagnostics)
        out.push({
          path: uri.fsPath,
          line: d.range.start.line + 1,
          column: d.range.start.character + 1,
          severity: SEVERITY[d.severity] ?? "error",
          message: d.message,
          ...(d.source ? { source: d.source } : {}),
        });
    }
    return out;
  }

  async applyEdit(absPath: string, oldText: string, newText: string): Promise<void> {
    const uri = vscode.Uri.file(absPath);
    const edit = new vscode.WorkspaceEdit();
    let document: vscode.TextDocument;
    if (oldText === "") {
      if (await exists(uri))
        throw new EditTargetError(
          "FILE_EXISTS",
          `${vscode.workspace.asRelativePath(uri)} already exists; to change it, give old_text (the exact text to replace).`,
        );
      await vscode.workspace.fs.createDirectory(vscode.Uri.file(dirname(absPath)));
      edit.createFile(uri, { ignoreIfExists: false, overwrite: false });
      edit.insert(uri, new vscode.Position(0, 0), newText);
      if (!(await vscode.workspace.applyEdit(edit)))
        throw new Error(`VS Code did not create ${vscode.workspace.asRelativePath(uri)}.`);
      document = await vscode.workspace.openTextDocument(uri);
    } else {
      document = await vscode.workspace.openTextDocument(uri);
      // The document's text includes unsaved changes: the edit lands on what the user sees, not on stale disk text.
      const plan = planEdit(document.getText(), oldText, newText, vscode.workspace.asRelativePath(uri));
      const wasDirty = document.isDirty;
      edit.replace(
        uri,
        new vscode.Range(document.positionAt(plan.start), document.positionAt(plan.end)),
        plan.replacement,
      );
      if (!(await vscode.workspace.applyEdit(edit)))
        throw new Error(`VS Code did not apply the edit to ${vscode.workspace.asRelativePath(uri)}.`);
      // A file with unsaved changes stays unsaved: saving would write the user's unfinished work too.
      if (wasDirty) return;
    }
    // A clean file is saved, so commands the model runs next see the change; Undo in the editor still reverts it.
    await document.save();
  }

  ripgrepPath(): string | undefined {
    this.ripgrep ??= { path: locateRipgrep(vscode.env.appRoot) };
    return this.ripgrep.path;
  }

  runCommand(command: string, cwd: string, options: CommandRunOptions): Promise<CommandResult> {
    // The engine's runner: the shell in its own process group, the key's variables removed from its environment.
    return runShellCommand(command, cwd, options);
  }

  isAlwaysAllowed(name: string, args: Record<string, unknown>): boolean {
    return this.options.permissions.isAllowed(name, args);
  }

  async rememberAlwaysAllow(name: string, args: Record<string, unknown>): Promise<void> {
    const permission = permissionFor(name, args);
    if (permission) await this.options.permissions.allow(permission);
  }

  externalTools(): readonly ExternalTool[] {
    return this.options.externalEnabled() ? externalTools() : [];
  }

  private openDocument(absPath: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.scheme === "file" && d.uri.fsPath === absPath);
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
