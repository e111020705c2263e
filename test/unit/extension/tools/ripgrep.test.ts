import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { locateRipgrep, ripgrepCandidates } from "../../../../src/extension/tools/ripgrep";

describe("VS Code's own ripgrep", () => {
  it("is looked for where each VS Code release keeps it", () => {
    const candidates = ripgrepCandidates("/app", "linux", "x64");
    expect(candidates).toContain("/app/node_modules/@vscode/ripgrep/bin/rg");
    expect(candidates).toContain("/app/node_modules.asar.unpacked/@vscode/ripgrep/bin/rg");
    expect(candidates).toContain("/app/node_modules/@vscode/ripgrep-universal/bin/linux-x64/rg");
    expect(ripgrepCandidates("C:\\app", "win32", "x64").every((p) => p.endsWith("rg.exe"))).toBe(true);
  });

  it("is found in the VS Code servers the in-editor suites run (1.100 and 1.139 keep it in different places)", () => {
    const cache = process.env.SKEIN_VSCODE_CACHE ?? join(__dirname, "../../../../.cache/vscode-server");
    const roots = ["code-server-4.100.3", "code-server-4.139.1"]
      .map((dir) => join(cache, dir, "node_modules/code-server/lib/vscode"))
      .filter((root) => existsSync(root));
    for (const root of roots) {
      const found = locateRipgrep(root);
      expect(found, root).toBeDefined();
      expect(existsSync(found!)).toBe(true);
    }
    expect(locateRipgrep("/nonexistent")).toBeUndefined();
  });
});
