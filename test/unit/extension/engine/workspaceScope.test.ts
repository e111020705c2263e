import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ScopeIndex } from "../../../../src/extension/threads/scopeIndex";
import { EMPTY_WINDOW_KEY, isScopeKey, scopeFor } from "../../../../src/extension/engine/workspaceScope";

describe("workspace scope key", () => {
  const folderA = "file:///home/u/projects/alpha";
  const folderB = "file:///home/u/projects/beta";

  it("a single folder is keyed by the folder, named after it", () => {
    const scope = scopeFor({ folders: [folderA] });
    expect(scope.key).toMatch(/^folder-[0-9a-f]{16}$/);
    expect(scope.name).toBe("alpha");
    expect(scope.source).toBe(folderA);
  });

  it("survives adding a second folder (VS Code turns the window into an untitled workspace)", () => {
    const single = scopeFor({ folders: [folderA] });
    const untitledUri = "untitled:/home/u/.config/Code/Workspaces/1700000000000/workspace.json";
    expect(scopeFor({ workspaceFile: untitledUri, folders: [folderA, folderB] }).key).toBe(single.key);
    const fileBacked = "file:///home/u/.config/Code/Workspaces/1700000000000/workspace.json";
    expect(scopeFor({ workspaceFile: fileBacked, folders: [folderA, folderB] }).key).toBe(single.key);
  });

  it("a saved .code-workspace has its own key, stable whatever its folders", () => {
    const ws = "file:///home/u/projects/team.code-workspace";
    const one = scopeFor({ workspaceFile: ws, folders: [folderA] });
    const two = scopeFor({ workspaceFile: ws, folders: [folderB, folderA] });
    expect(one.key).toMatch(/^ws-[0-9a-f]{16}$/);
    expect(two.key).toBe(one.key);
    expect(one.key).not.toBe(scopeFor({ folders: [folderA] }).key);
    expect(scopeFor({ workspaceFile: ws, folders: [] }).name).toBe("team");
    expect(scopeFor({ workspaceFile: ws, folders: [], name: "Team (Workspace)" }).name).toBe("Team (Workspace)");
  });

  it("different folders get different keys; trailing slashes and drive-letter case do not matter", () => {
    expect(scopeFor({ folders: [folderA] }).key).not.toBe(scopeFor({ folders: [folderB] }).key);
    expect(scopeFor({ folders: [`${folderA}/`] }).key).toBe(scopeFor({ folders: [folderA] }).key);
    expect(scopeFor({ folders: ["file:///C%3A/work/x"] }).key).toBe(scopeFor({ folders: ["file:///c%3A/work/x"] }).key);
  });

  it("an empty window has its own scope", () => {
    const scope = scopeFor({ folders: [] }, "Leeres Fenster");
    expect(scope).toEqual({ key: EMPTY_WINDOW_KEY, name: "Leeres Fenster" });
  });

  it("remote folders are keyed too (a different authority is a different workspace)", () => {
    const remote = scopeFor({ folders: ["vscode-remote://ssh-remote%2Bbox/home/u/projects/alpha"] });
    expect(remote.key).not.toBe(scopeFor({ folders: [folderA] }).key);
    expect(remote.name).toBe("alpha");
  });

  it("only keys of its own shape are accepted from disk", () => {
    expect(isScopeKey(scopeFor({ folders: [folderA] }).key)).toBe(true);
    expect(isScopeKey(EMPTY_WINDOW_KEY)).toBe(true);
    for (const bad of ["..", "../x", "folder-xyz", "folder-0123456789abcdef/..", "", "index.json"])
      expect(isScopeKey(bad)).toBe(false);
  });
});

describe("scope index", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  async function root() {
    const dir = await mkdtemp(join(tmpdir(), "skein-scopes-"));
    dirs.push(dir);
    return dir;
  }

  it("names every store directory, most recently used first, and ignores foreign entries", async () => {
    const dir = await root();
    const index = new ScopeIndex(dir);
    const alpha = scopeFor({ folders: ["file:///p/alpha"] });
    const beta = scopeFor({ folders: ["file:///p/beta"] });
    await index.touch(alpha, new Date("2026-01-01T00:00:00Z"));
    await index.touch(beta, new Date("2026-02-01T00:00:00Z"));
    await mkdir(index.dirFor(alpha.key), { recursive: true });
    await mkdir(index.dirFor(beta.key), { recursive: true });
    await mkdir(join(dir, EMPTY_WINDOW_KEY));
    await mkdir(join(dir, "not-a-scope"));
    const listed = await index.list();
    expect(listed.map((e) => e.name)).toEqual(["beta", "alpha", EMPTY_WINDOW_KEY]);
    expect(JSON.parse(await readFile(join(dir, "index.json"), "utf8"))[alpha.key].source).toBe("file:///p/alpha");
  });

  it("a damaged index loses only labels", async () => {
    const dir = await root();
    const index = new ScopeIndex(dir);
    const alpha = scopeFor({ folders: ["file:///p/alpha"] });
    await mkdir(index.dirFor(alpha.key), { recursive: true });
    await writeFile(join(dir, "index.json"), "{ not json");
    expect((await index.list()).map((e) => e.key)).toEqual([alpha.key]);
    await index.touch(alpha);
    expect((await index.list()).map((e) => e.name)).toEqual(["alpha"]);
  });

  it("refuses to build a path from a key it did not make", () => {
    expect(() => new ScopeIndex("/tmp/x").dirFor("../../etc")).toThrow(/Not a workspace scope key/);
  });

  it("lists nothing when no store exists yet", async () => {
    expect(await new ScopeIndex(join(await root(), "missing")).list()).toEqual([]);
  });
});
