/**
 * A `WorkspaceHost` on plain Node, for tests, benchmarks and scripts: files through `node:fs`, commands through
 * child_process, ripgrep from PATH (or the built-in scan), "Always allow" kept in memory. The editor's host
 * (src/extension) differs where the editor matters: open-editor text, WorkspaceEdit, diagnostics, trust.
 */
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { alwaysAllowKey } from "./changeTools";
import { runShellCommand } from "./commandRunner";
import type { ExternalTool, WorkspaceDiagnostic, WorkspaceFolder, WorkspaceHost } from "./types";

export interface NodeWorkspaceHostOptions {
  /** Folder paths (named by their base name) or folders. */
  folders: readonly (string | WorkspaceFolder)[];
  trusted?: boolean;
  /** "rg" on PATH by default; null for the built-in scan. */
  ripgrep?: string | null;
  diagnostics?: readonly WorkspaceDiagnostic[];
  externalTools?: readonly ExternalTool[];
}

let pathRipgrep: string | null | undefined;

/** The `rg` on PATH, if any (looked up once). */
export function ripgrepOnPath(): string | undefined {
  if (pathRipgrep === undefined) {
    try {
      const finder = process.platform === "win32" ? "where" : "which";
      pathRipgrep = execFileSync(finder, ["rg"], { encoding: "utf8" }).split(/\r?\n/)[0].trim() || null;
    } catch {
      pathRipgrep = null;
    }
  }
  return pathRipgrep ?? undefined;
}

export class NodeWorkspaceHost implements WorkspaceHost {
  private readonly list: WorkspaceFolder[];
  private readonly allowed = new Set<string>();
  trusted: boolean;

  constructor(private readonly options: NodeWorkspaceHostOptions) {
    this.list = options.folders.map((f) =>
      typeof f === "string" ? { name: basename(resolve(f)), path: resolve(f) } : { ...f, path: resolve(f.path) },
    );
    this.trusted = options.trusted ?? true;
  }

  folders(): readonly WorkspaceFolder[] {
    return this.list;
  }

  isTrusted(): boolean {
    return this.trusted;
  }

  diagnostics(absPath?: string): readonly WorkspaceDiagnostic[] {
    const all = this.options.diagnostics ?? [];
    return absPath === undefined ? all : all.filter((d) => resolve(d.path) === resolve(absPath));
  }

  async applyEdit(absPath: string, oldText: string, newText: string): Promise<void> {
    if (oldText === "") {
      await mkdir(dirname(absPath), { recursive: true });
      await writeFile(absPath, newText, { flag: "wx" });
      return;
    }
    const text = await readFile(absPath, "utf8");
    const at = text.indexOf(oldText);
    if (at < 0 || text.indexOf(oldText, at + oldText.length) >= 0)
      throw new Error(`The text to replace no longer occurs exactly once in ${absPath}.`);
    await writeFile(absPath, text.slice(0, at) + newText + text.slice(at + oldText.length));
  }

  ripgrepPath(): string | undefined {
    if (this.options.ripgrep === null) return undefined;
    return this.options.ripgrep ?? ripgrepOnPath();
  }

  runCommand = runShellCommand;

  isAlwaysAllowed(name: string, args: Record<string, unknown>): boolean {
    const key = alwaysAllowKey(name, args);
    return key !== undefined && this.allowed.has(key);
  }

  rememberAlwaysAllow(name: string, args: Record<string, unknown>): void {
    const key = alwaysAllowKey(name, args);
    if (key !== undefined) this.allowed.add(key);
  }

  externalTools(): readonly ExternalTool[] {
    return this.options.externalTools ?? [];
  }
}
