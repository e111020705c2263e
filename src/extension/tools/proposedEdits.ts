/**
 * "Show Diff" on an edit_file card: VS Code's diff editor between the file as it is now (with unsaved changes)
 * and the file as the edit would leave it, the latter a read-only virtual document. It opens beside the chat
 * without taking the focus from it.
 */
import * as vscode from "vscode";
import type { ToolApprovalRequest } from "../../chat/tools/types";
import { applyPlan, planEdit } from "./editPlan";

export const PROPOSED_SCHEME = "skein-proposed";

export class ProposedEdits implements vscode.TextDocumentContentProvider, vscode.Disposable {
  /** Proposed texts by URI (the last few; a closed diff's text is not needed again). */
  private readonly texts = new Map<string, string>();
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  /** Opens the diff of a pending edit_file call; throws with a readable message when it cannot be shown. */
  async show(request: ToolApprovalRequest, interruptId: string): Promise<void> {
    const path = request.path;
    const oldText = typeof request.args.old_text === "string" ? request.args.old_text : undefined;
    const newText = typeof request.args.new_text === "string" ? request.args.new_text : undefined;
    if (request.name !== "edit_file" || !path || oldText === undefined || newText === undefined)
      throw new Error(vscode.l10n.t("This tool call has no diff to show."));
    const file = vscode.Uri.file(path);
    const relative = vscode.workspace.asRelativePath(file);
    let current = "";
    if (oldText !== "") {
      const document = await vscode.workspace.openTextDocument(file);
      current = document.getText();
    }
    const proposed = oldText === "" ? newText : applyPlan(current, planEdit(current, oldText, newText, relative));
    const right = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: file.path, query: interruptId });
    this.texts.set(right.toString(), proposed);
    while (this.texts.size > 20) this.texts.delete(this.texts.keys().next().value!);
    // A new file is compared with an empty document.
    const left = oldText === "" ? vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: file.path, query: "empty" }) : file;
    if (oldText === "") this.texts.set(left.toString(), "");
    await vscode.commands.executeCommand("vscode.diff", left, right, vscode.l10n.t("{0} (proposed edit)", relative), {
      preview: true,
      preserveFocus: true,
      viewColumn: vscode.ViewColumn.Active,
    });
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}
