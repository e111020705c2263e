/**
 * The built-in file walk, for listing and for search without ripgrep: depth-first, sorted, skipping the
 * folders nobody means (.git, node_modules, …) and never following symbolic links (they may lead out of the
 * workspace).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export const SKIPPED_DIRS: ReadonlySet<string> = new Set([".git", "node_modules", ".hg", ".svn"]);

/** Yields workspace files as paths relative to `root` ("/" separators), under `start` (relative, "" = root). */
export async function* walkFiles(root: string, start = "", signal?: AbortSignal): AsyncGenerator<string> {
  const stack = [start];
  while (stack.length) {
    if (signal?.aborted) return;
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await readdir(join(root, dir), { withFileTypes: true });
    } catch {
      continue; // unreadable folder: skip it, as ripgrep does
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dirs: string[] = [];
    for (const entry of entries) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) dirs.push(rel);
      } else if (entry.isFile()) yield rel;
    }
    for (let i = dirs.length - 1; i >= 0; i--) stack.push(dirs[i]);
  }
}
