/**
 * Every user-visible string goes through vscode.l10n (host) or package.nls.json (manifest). These checks keep
 * the English bundle and the manifest placeholders complete, so a translator's bundle can cover everything.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../../..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

function hostStrings(): Set<string> {
  const found = new Set<string>();
  const files = readdirSync(join(root, "src/extension"), { recursive: true, encoding: "utf8" });
  for (const file of files.filter((f) => f.endsWith(".ts"))) {
    const source = read(`src/extension/${file}`);
    for (const match of source.matchAll(/\b(?:l10n\.)?t\(\s*"((?:[^"\\]|\\.)*)"/g))
      found.add(JSON.parse(`"${match[1]}"`));
  }
  return found;
}

describe("localisation", () => {
  it("l10n/bundle.l10n.json has every host string passed to vscode.l10n.t", () => {
    const bundle = JSON.parse(read("l10n/bundle.l10n.json")) as Record<string, string>;
    const strings = hostStrings();
    expect(strings.size).toBeGreaterThan(30);
    const missing = [...strings].filter((s) => !(s in bundle));
    expect(missing, "run `npm run build` (it regenerates l10n/bundle.l10n.json) and commit the bundle").toEqual([]);
  });

  it("every %placeholder% in package.json has an entry in package.nls.json, and none is unused", () => {
    const manifest = read("package.json");
    const nls = JSON.parse(read("package.nls.json")) as Record<string, string>;
    const used = new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!));
    expect([...used].filter((k) => !(k in nls))).toEqual([]);
    expect(Object.keys(nls).filter((k) => !used.has(k))).toEqual([]);
  });

  it("the manifest declares every command with a localised title and the Skein category", () => {
    const manifest = JSON.parse(read("package.json"));
    const commands = manifest.contributes.commands as { command: string; title: string; category: string }[];
    for (const c of commands) {
      expect(c.command).toMatch(/^skein\./);
      expect(c.title).toBe(`%${c.command}.title%`);
      expect(c.category).toBe("%skein.category%");
    }
    // A cloned repository must not redirect requests that carry the key, nor where threads are stored.
    expect(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations).toEqual([
      "skein.baseUrl",
      "skein.store",
      "skein.store.workspaceKey",
    ]);
    expect(manifest.contributes.configuration.properties["skein.store"].scope).toBe("machine");
  });

  it("the command table and the manifest list the same commands", () => {
    const manifest = JSON.parse(read("package.json"));
    const declared = (manifest.contributes.commands as { command: string }[]).map((c) => c.command).sort();
    const table = [...read("src/extension/commands/commands.ts").matchAll(/^\s+"(skein\.[A-Za-z]+)":/gm)]
      .map((m) => m[1])
      .sort();
    expect(table).toEqual(declared);
    const menuCommands = Object.values(manifest.contributes.menus as Record<string, { command: string }[]>)
      .flat()
      .map((m) => m.command);
    for (const id of menuCommands) expect(declared).toContain(id);
  });
});
