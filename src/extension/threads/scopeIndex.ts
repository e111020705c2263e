/**
 * A small index `workspaces/index.json` of scope key → display name, so "All Workspaces" can name and group the
 * other workspaces' stores without opening them. Written on activation; tolerant of a missing or damaged file
 * (it is only a label cache: the store directories are the truth).
 */
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isScopeKey, type WorkspaceScope } from "../engine/workspaceScope";

export interface ScopeEntry {
  key: string;
  name: string;
  source?: string;
  /** ISO time this scope was last opened in a window. */
  lastUsed: string;
}

const INDEX_FILE = "index.json";

export class ScopeIndex {
  constructor(private readonly root: string) {}

  /** The directory holding the store of one scope. */
  dirFor(key: string): string {
    if (!isScopeKey(key)) throw new Error(`Not a workspace scope key: ${JSON.stringify(key)}`);
    return join(this.root, key);
  }

  async read(): Promise<Record<string, ScopeEntry>> {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.root, INDEX_FILE), "utf8"));
      if (typeof parsed !== "object" || parsed === null) return {};
      const out: Record<string, ScopeEntry> = Object.create(null);
      for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
        const entry = value as Partial<ScopeEntry> | null;
        if (isScopeKey(key) && entry && typeof entry.name === "string") {
          out[key] = { key, name: entry.name, source: entry.source, lastUsed: String(entry.lastUsed ?? "") };
        }
      }
      return out;
    } catch {
      return {};
    }
  }

  /** Records that this window uses `scope` (atomic replace, so a crash never leaves half a file). */
  async touch(scope: WorkspaceScope, now = new Date()): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const entries = await this.read();
    entries[scope.key] = { key: scope.key, name: scope.name, source: scope.source, lastUsed: now.toISOString() };
    const tmp = join(this.root, `${INDEX_FILE}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(entries, null, 1));
    await rename(tmp, join(this.root, INDEX_FILE));
  }

  /**
   * Every scope with a store directory, named from the index (a directory without an entry, e.g. written by an
   * older version, is still listed, under its key). Most recently used first.
   */
  async list(): Promise<ScopeEntry[]> {
    const entries = await this.read();
    let dirs: string[] = [];
    try {
      dirs = (await readdir(this.root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return [];
    }
    return dirs
      .filter(isScopeKey)
      .map((key) => entries[key] ?? { key, name: key, lastUsed: "" })
      .sort((a, b) => b.lastUsed.localeCompare(a.lastUsed) || a.name.localeCompare(b.name));
  }
}
