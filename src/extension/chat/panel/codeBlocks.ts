/** A chat code block's "Insert at Cursor" and "Open in New Editor". */
import * as vscode from "vscode";

/** Fence names whose VS Code language id differs. */
const LANGUAGE_IDS: Record<string, string> = {
  ts: "typescript",
  tsx: "typescriptreact",
  js: "javascript",
  jsx: "javascriptreact",
  py: "python",
  sh: "shellscript",
  bash: "shellscript",
  zsh: "shellscript",
  shell: "shellscript",
  console: "shellscript",
  yml: "yaml",
  md: "markdown",
  "c++": "cpp",
  cs: "csharp",
  "c#": "csharp",
  rb: "ruby",
  rs: "rust",
  kt: "kotlin",
  golang: "go",
  ps1: "powershell",
  dockerfile: "dockerfile",
  jsonc: "jsonc",
  html: "html",
  xml: "xml",
};

/** The VS Code language id for a fence's language, when VS Code knows it. */
async function languageIdFor(fence: string | undefined): Promise<string | undefined> {
  if (!fence) return undefined;
  const name = fence.toLowerCase();
  const known = new Set(await vscode.languages.getLanguages());
  const id = LANGUAGE_IDS[name] ?? name;
  return known.has(id) ? id : undefined;
}

/** Opens the code in a new untitled editor, in its language. */
export async function openCodeInEditor(text: string, fence: string | undefined): Promise<void> {
  const language = await languageIdFor(fence);
  const document = await vscode.workspace.openTextDocument(language ? { content: text, language } : { content: text });
  await vscode.window.showTextDocument(document, { preview: false });
}

/**
 * Replaces the selections of the editor the user last worked in with the code (inserts at the cursor when
 * nothing is selected) and focuses it. Without an editor, says so and offers a new one.
 */
export async function insertCodeAtCursor(text: string): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) {
    const open = vscode.l10n.t("Open in New Editor");
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t("No editor is open to insert the code into."),
      open,
    );
    if (choice === open) await openCodeInEditor(text, undefined);
    return;
  }
  const done = await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, text);
  });
  if (!done) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        "The code could not be inserted: {0} is read-only.",
        editor.document.uri.path.split("/").pop() ?? "",
      ),
    );
    return;
  }
  await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
}
