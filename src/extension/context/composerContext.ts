/**
 * What the next message carries besides its text: the active editor's file (included by default, removable for
 * as long as that file stays active) and attachments — selections (Add Selection to Chat), files (Explorer's Add
 * File to Chat, a drop onto the chat). At send time each is read as it is then (a selection as it was selected)
 * into the message's attachment blocks, and the explicit attachments are cleared.
 */
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { TextBlock } from "../../graph/messages";
import type { ComposerContextView } from "../../protocol/types";
import { attachmentBlock, type AttachmentContent } from "./attachmentFormat";

interface Pending {
  id: string;
  kind: "file" | "selection";
  uri: vscode.Uri;
  /** Selections keep the text as selected; files are read at send time. */
  text?: string;
  startLine?: number;
  endLine?: number;
}

/** The composer's context as the controller uses it. */
export interface ComposerContextSource {
  view(): ComposerContextView;
  remove(id: string): void;
  attachUris(uris: readonly string[]): Promise<void>;
  /** The attachment blocks for a message sent now (clears the explicit attachments). */
  take(): Promise<TextBlock[]>;
  onDidChange(listener: () => void): vscode.Disposable;
}

/** Attachments waiting in the composer at most (a drop of a whole folder's files is cut here). */
const MAX_ATTACHMENTS = 20;

export class ComposerContext implements ComposerContextSource, vscode.Disposable {
  private readonly pending: Pending[] = [];
  /** The active file the user removed (included again once another file becomes active). */
  private excluded: string | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    /** Largest file attached whole (bytes); a bigger one is cut with a note. */
    private readonly maxBytes: () => number,
  ) {
    this.subscriptions = [
      this.emitter,
      vscode.window.onDidChangeActiveTextEditor(() => {
        const active = this.activeUri()?.toString();
        if (active !== this.excluded) this.excluded = undefined;
        this.emitter.fire();
      }),
    ];
  }

  readonly onDidChange = (listener: () => void): vscode.Disposable => this.emitter.event(listener);

  view(): ComposerContextView {
    const active = this.activeUri();
    return {
      ...(active
        ? {
            activeFile: {
              path: vscode.workspace.asRelativePath(active),
              included: this.excluded !== active.toString(),
            },
          }
        : {}),
      attachments: this.pending.map((p) => ({
        id: p.id,
        kind: p.kind,
        path: vscode.workspace.asRelativePath(p.uri),
        ...(p.startLine !== undefined ? { startLine: p.startLine, endLine: p.endLine } : {}),
      })),
    };
  }

  remove(id: string): void {
    if (id === "active") {
      const active = this.activeUri()?.toString();
      this.excluded = this.excluded === active ? undefined : active;
    } else {
      const at = this.pending.findIndex((p) => p.id === id);
      if (at >= 0) this.pending.splice(at, 1);
    }
    this.emitter.fire();
  }

  /** The selection of an editor (or its current line when nothing is selected). */
  addSelection(editor: vscode.TextEditor): void {
    const selection = editor.selection;
    const range = selection.isEmpty ? editor.document.lineAt(selection.active.line).range : selection;
    // A selection ending at column 0 of a line does not include that line.
    const endLine =
      range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
    this.add({
      id: randomUUID(),
      kind: "selection",
      uri: editor.document.uri,
      text: editor.document.getText(range),
      startLine: range.start.line + 1,
      endLine: endLine + 1,
    });
  }

  addFile(uri: vscode.Uri): void {
    if (this.pending.some((p) => p.kind === "file" && p.uri.toString() === uri.toString())) return;
    this.add({ id: randomUUID(), kind: "file", uri });
  }

  /** Files dropped onto the chat: only files (folders and other schemes are skipped with a message). */
  async attachUris(uris: readonly string[]): Promise<void> {
    const skipped: string[] = [];
    for (const raw of uris) {
      let uri: vscode.Uri;
      try {
        uri = vscode.Uri.parse(raw, true);
      } catch {
        skipped.push(raw);
        continue;
      }
      const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
      if (stat && stat.type & vscode.FileType.File) this.addFile(uri);
      else skipped.push(vscode.workspace.asRelativePath(uri));
    }
    if (skipped.length)
      void vscode.window.showWarningMessage(
        vscode.l10n.t("Only files can be attached to the chat; skipped: {0}", skipped.slice(0, 5).join(", ")),
      );
  }

  async take(): Promise<TextBlock[]> {
    const items: AttachmentContent[] = [];
    const active = this.activeUri();
    const explicit = this.pending.splice(0);
    const activeIncluded =
      active &&
      this.excluded !== active.toString() &&
      // The same file attached explicitly is not sent twice.
      !explicit.some((p) => p.kind === "file" && p.uri.toString() === active.toString());
    if (activeIncluded) {
      const item = await this.read({ id: "active", kind: "file", uri: active });
      if (item) items.push(item);
    }
    for (const p of explicit) {
      const item = await this.read(p);
      if (item) items.push(item);
    }
    if (explicit.length) this.emitter.fire();
    return items.map(attachmentBlock);
  }

  private add(item: Pending): void {
    this.pending.push(item);
    if (this.pending.length > MAX_ATTACHMENTS) this.pending.splice(0, this.pending.length - MAX_ATTACHMENTS);
    this.emitter.fire();
  }

  private async read(p: Pending): Promise<AttachmentContent | undefined> {
    const path = vscode.workspace.asRelativePath(p.uri);
    if (p.kind === "selection")
      return { kind: "selection", path, startLine: p.startLine, endLine: p.endLine, text: p.text ?? "" };
    // The editor's text when the file is open (unsaved changes included), else the file on disk.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === p.uri.toString());
    let text: string;
    if (open) text = open.getText();
    else {
      const bytes = await Promise.resolve(vscode.workspace.fs.readFile(p.uri)).catch(() => undefined);
      if (!bytes) return undefined;
      if (bytes.subarray(0, 8000).includes(0)) return { kind: "file", path, text: "(binary file, not attached)" };
      text = new TextDecoder().decode(bytes);
    }
    const max = this.maxBytes();
    if (Buffer.byteLength(text) > max) {
      const cut = Buffer.from(text).subarray(0, max).toString("utf8");
      text = `${cut}\n… (cut: the file has ${Buffer.byteLength(text).toLocaleString("en-US")} bytes; only the first ${max.toLocaleString("en-US")} are attached)`;
    }
    return { kind: "file", path, text };
  }

  private activeUri(): vscode.Uri | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri && (uri.scheme === "file" || uri.scheme === "untitled") ? uri : undefined;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
