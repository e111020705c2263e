/**
 * One browser-scenario session: the mock Messages API, the real VS Code server (throwaway dirs, 127.0.0.1,
 * its own process group) with Skein as the extension under development, and Debian's Chromium on the workbench.
 * `stop()` ends every process it started, also when a step failed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../scripts/vscode/browser.mjs";
import { ensureServer, REPO_ROOT } from "../../scripts/vscode/install.mjs";
import type { MockProcess } from "../../scripts/vscode/mock.mjs";
import { startMock } from "../../scripts/vscode/mock.mjs";
import type { RunDirs, RunningServer } from "../../scripts/vscode/server.mjs";
import { makeRunDirs, startServer, workbenchUrl, writeSettings } from "../../scripts/vscode/server.mjs";
import { Workbench } from "./workbench";

export const SHOTS_DIR = join(REPO_ROOT, "test-results", "e2e");

export interface SessionOptions {
  /** Files to put in the workspace folder (path relative to it → text). */
  workspaceFiles?: Record<string, string>;
  /** Screenshots go here (a second window of one scenario needs its own folder). Default SHOTS_DIR. */
  shotsDir?: string;
}

export class Session {
  private constructor(
    readonly vscodeVersion: string,
    readonly mock: MockProcess,
    readonly server: RunningServer,
    readonly dirs: RunDirs,
    readonly browser: Browser,
    readonly page: Page,
    readonly workbench: Workbench,
    readonly url: string,
  ) {}

  static async start(log: (m: string) => void = () => {}, options: SessionOptions = {}): Promise<Session> {
    const layout = await ensureServer({ log });
    if (!process.env.SKEIN_SKIP_BUILD) {
      const b = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs")], {
        cwd: REPO_ROOT,
        stdio: "pipe",
      });
      if (b.status !== 0) throw new Error(`step "build the extension" failed:\n${b.stderr.toString()}`);
    }
    const stops: Array<() => Promise<unknown>> = [];
    try {
      // Slow replies take 10 s (40 words, 250 ms apart): long enough that Stop and Reload Window land mid-stream
      // even on a loaded 2-core machine.
      const mock = await startMock({ env: { MOCK_ANTHROPIC_SLOW_MS: "250" } });
      stops.push(() => mock.stop());
      const dirs = makeRunDirs("skein-e2e-");
      writeFileSync(join(dirs.workspace, "notes.md"), "# A workspace for Skein's browser scenario\n");
      for (const [path, text] of Object.entries(options.workspaceFiles ?? {})) {
        mkdirSync(dirname(join(dirs.workspace, path)), { recursive: true });
        writeFileSync(join(dirs.workspace, path), text);
      }
      writeSettings(dirs, { "skein.baseUrl": mock.url });
      const server = await startServer({
        layout,
        dirs,
        env: { ANTHROPIC_API_KEY: "test-key", EXTENSIONS_GALLERY: "{}" },
      });
      stops.push(() => server.stop());
      const browser = await launchChromium(dirs);
      stops.push(() => browser.close());
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(60_000);
      const url = workbenchUrl(server, { folder: dirs.workspace, extensionDevelopmentPath: REPO_ROOT });
      return new Session(
        layout.vscodeVersion,
        mock,
        server,
        dirs,
        browser,
        page,
        new Workbench(page, options.shotsDir ?? SHOTS_DIR),
        url,
      );
    } catch (error) {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop().catch(() => undefined);
    await this.mock.stop().catch(() => undefined);
  }

  /** Skein's per-workspace store directories under the extension's global storage (wherever VS Code put it). */
  storeDirs(): string[] {
    const found: string[] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > 8 || !existsSync(dir)) return;
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (!statSync(p).isDirectory()) continue;
        if (name === "workspaces" && dir.endsWith(join("globalStorage", "skein.skein"))) {
          for (const scope of readdirSync(p)) if (statSync(join(p, scope)).isDirectory()) found.push(join(p, scope));
        } else walk(p, depth + 1);
      }
    };
    walk(this.dirs.root, 0);
    return found;
  }

  /** Files under Skein's stores whose content contains `text`. */
  storedFilesContaining(text: string): string[] {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (statSync(p).isFile() && readFileSync(p).includes(text)) hits.push(p);
      }
    };
    for (const dir of this.storeDirs()) walk(dir);
    return hits;
  }
}
