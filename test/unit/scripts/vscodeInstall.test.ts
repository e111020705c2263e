import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureServer } from "../../../scripts/vscode/install.mjs";

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe("installing the VS Code server", () => {
  let cacheDir: string;
  const saved = { ...process.env };

  beforeEach(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), "skein-install-test-"));
    process.env.npm_config_registry = `http://127.0.0.1:${await closedPort()}/`;
    process.env.npm_config_cache = join(cacheDir, "npm-cache");
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("with the registry unreachable, fails before downloading anything with an error that says so", async () => {
    const lines: string[] = [];
    const started = Date.now();
    const error = await ensureServer({ cacheDir, log: (m) => lines.push(m), write: (t) => lines.push(t) }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "ServerInstallError", code: "REGISTRY_UNREACHABLE" });
    expect((error as Error).message).toMatch(/npm registry is unreachable/);
    expect((error as Error).message).toContain(process.env.npm_config_registry!.replace(/\/$/, ""));
    // Nothing was staged: the probe runs before the first install step.
    expect(lines.some((l) => l.includes("[1/4]"))).toBe(false);
    expect(readdirSync(cacheDir).filter((n) => n.includes(".partial-"))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it("removes what an interrupted install left behind, even when this install then fails", async () => {
    // A staging folder of a process that no longer exists (pid far above any live one).
    const stale = join(cacheDir, "code-server-4.139.1.partial-4000000");
    mkdirSync(join(stale, "node_modules", "code-server"), { recursive: true });
    const lines: string[] = [];
    await ensureServer({ cacheDir, log: (m) => lines.push(m), write: () => undefined }).catch(() => undefined);
    expect(readdirSync(cacheDir).filter((n) => n.includes(".partial-"))).toEqual([]);
    expect(lines.join("\n")).toContain("left by an interrupted install");
  });
});
