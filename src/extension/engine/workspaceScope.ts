/**
 * Which store a window uses. Each workspace gets a directory `workspaces/<key>/` under the extension's global
 * storage; the key must stay the same when the user adds a second folder to a single-folder window (VS Code then
 * turns the window into an *untitled* multi-root workspace whose file lives in VS Code's own storage).
 * Pure: takes URI strings, so it is unit-tested without VS Code.
 */
import { createHash } from "node:crypto";

export interface WindowShape {
  /** `vscode.workspace.workspaceFile?.toString()`: a saved .code-workspace (file:) or an untitled one. */
  workspaceFile?: string;
  /** `vscode.workspace.workspaceFolders[i].uri.toString()`, in order. */
  folders: string[];
  /** `vscode.workspace.name` (display only). */
  name?: string;
}

export interface WorkspaceScope {
  /** Directory name: stable, short, file-system safe. */
  key: string;
  /** What the user calls this workspace ("All Workspaces" groups by it). */
  name: string;
  /** The URI the key was derived from (undefined for the empty window). */
  source?: string;
}

export const EMPTY_WINDOW_KEY = "empty-window";

/** True for a workspace file the user saved (not VS Code's untitled one, which moves when saved). */
function isSavedWorkspaceFile(uri: string | undefined): uri is string {
  return uri !== undefined && !uri.startsWith("untitled:") && !/\/Workspaces\/\d+\/workspace\.json$/.test(uri);
}

/** Folder URIs compare case-insensitively on file systems that are (Windows drive letters, macOS default). */
function normalise(uri: string): string {
  return uri
    .replace(/\/+$/, "")
    .replace(/^file:\/\/\/([A-Za-z])(:|%3A)/, (_m, drive: string) => `file:///${drive.toLowerCase()}%3A`);
}

function hashKey(prefix: string, uri: string): string {
  return `${prefix}-${createHash("sha256").update(normalise(uri)).digest("hex").slice(0, 16)}`;
}

function lastSegment(uri: string): string {
  const path = uri.replace(/\/+$/, "").split("/").pop() ?? uri;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * A saved .code-workspace → keyed by its file. Otherwise the first folder (so single-folder → untitled
 * multi-root keeps its threads). No folder at all → the empty-window scope.
 */
export function scopeFor(window: WindowShape, emptyWindowName = "Empty Window"): WorkspaceScope {
  if (isSavedWorkspaceFile(window.workspaceFile)) {
    const name = window.name ?? lastSegment(window.workspaceFile).replace(/\.code-workspace$/, "");
    return { key: hashKey("ws", window.workspaceFile), name, source: window.workspaceFile };
  }
  const first = window.folders[0];
  if (first !== undefined) {
    return { key: hashKey("folder", first), name: window.name ?? lastSegment(first), source: first };
  }
  return { key: EMPTY_WINDOW_KEY, name: emptyWindowName };
}

/** A key read back from disk is only trusted if it has the shape `scopeFor` produces (no path tricks). */
export function isScopeKey(key: string): boolean {
  return key === EMPTY_WINDOW_KEY || /^(ws|folder|shared)-[0-9a-f]{16}$/.test(key);
}
