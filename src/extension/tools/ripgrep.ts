/**
 * Finds the ripgrep binary VS Code ships with itself, so searching the workspace needs nothing installed.
 * Releases moved it over time: `@vscode/ripgrep/bin/rg` (up to ~1.13x), `@vscode/ripgrep-universal/bin/<os>-<arch>/rg`
 * (newer), each either under `node_modules` or, in packaged desktop builds, `node_modules.asar.unpacked`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Every place VS Code may keep its ripgrep, most likely first (pure: for tests and for `locateRipgrep`). */
export function ripgrepCandidates(appRoot: string, platform: string = process.platform, arch = process.arch): string[] {
  const exe = platform === "win32" ? "rg.exe" : "rg";
  const out: string[] = [];
  for (const modules of ["node_modules", "node_modules.asar.unpacked"]) {
    out.push(join(appRoot, modules, "@vscode", "ripgrep", "bin", exe));
    out.push(join(appRoot, modules, "@vscode", "ripgrep-universal", "bin", `${platform}-${arch}`, exe));
    out.push(join(appRoot, modules, "vscode-ripgrep", "bin", exe));
  }
  return out;
}

/** The first candidate that exists, or undefined (search then falls back to a plain scan in the engine). */
export function locateRipgrep(appRoot: string, exists: (path: string) => boolean = existsSync): string | undefined {
  return ripgrepCandidates(appRoot).find((path) => exists(path));
}
