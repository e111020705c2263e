// `npm run test:integration`: runs the in-editor suite inside a real VS Code (server + web workbench, the
// extension host is real Node) — installs the server on first use, starts it on 127.0.0.1 with throwaway
// dirs, loads Skein as the extension under development, opens the workbench in Debian's Chromium with the
// suite as extensionTestsPath, and exits with the suite's exit code. Always stops every process it started.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureServer, FLAVOUR, REPO_ROOT } from "../../scripts/vscode/install.mjs";
import { makeRunDirs, startServer, workbenchUrl, writeSettings } from "../../scripts/vscode/server.mjs";
import { launchChromium } from "../../scripts/vscode/browser.mjs";
import { startMock } from "../../scripts/vscode/mock.mjs";
import { bundleSuite } from "./bundle.mjs";

const TIMEOUT_MS = Number(process.env.SKEIN_IT_TIMEOUT_MS ?? 300_000);
// --vscode=oldest: VS Code 1.100, the oldest `engines.vscode` allows (default: the newest, 1.139).
const flavour = process.argv.find((a) => a.startsWith("--vscode="))?.slice("--vscode=".length) ?? FLAVOUR;
if (flavour !== "newest" && flavour !== "oldest") throw new Error(`--vscode must be newest or oldest, not ${flavour}`);
const ARTIFACTS = join(REPO_ROOT, "test-results", "integration");
const verbose = !!process.env.SKEIN_VERBOSE;
const say = (m) => console.log(`[integration] ${m}`);

async function main() {
  const t0 = Date.now();
  mkdirSync(ARTIFACTS, { recursive: true });
  const layout = await ensureServer({ log: say, flavour });
  say(`VS Code ${layout.vscodeVersion} (${layout.commit.slice(0, 10)}), server ${layout.serverMain}`);

  if (!process.env.SKEIN_SKIP_BUILD) {
    const b = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs")], {
      cwd: REPO_ROOT,
      stdio: "inherit",
    });
    if (b.status !== 0) throw new Error("step 'build the extension' failed: node scripts/build.mjs exited " + b.status);
  }
  const extensionPath = process.env.SKEIN_IT_EXTENSION ?? REPO_ROOT;
  if (!process.env.SKEIN_IT_EXTENSION && !existsSync(join(REPO_ROOT, "dist", "extension.js"))) {
    throw new Error("step 'build the extension' produced no dist/extension.js (is src/extension/main.ts there?)");
  }
  const suitePath = process.env.SKEIN_IT_SUITE ?? (await bundleSuite());

  const cleanup = [];
  let exitCode = 1;
  try {
    const mock = await startMock({ log: verbose ? (l) => say(l) : () => {} });
    cleanup.push(() => mock.stop());
    const dirs = makeRunDirs("skein-it-");
    writeFileSync(join(dirs.workspace, "README.md"), "# A workspace for Skein's in-editor suite\n");
    writeSettings(dirs, { "skein.baseUrl": mock.url });
    const report = join(dirs.root, "report.log");
    const server = await startServer({
      layout,
      dirs,
      env: {
        ANTHROPIC_API_KEY: "test-key",
        EXTENSIONS_GALLERY: "{}",
        SKEIN_TEST_MOCK_URL: mock.url,
        SKEIN_TEST_REPORT: report,
        SKEIN_TEST_WORKSPACE: dirs.workspace,
        SKEIN_TEST_USER_DATA: dirs.userData,
        SKEIN_TEST_RUN_ROOT: dirs.root,
      },
      log: verbose ? (l) => say(`server: ${l}`) : () => {},
    });
    cleanup.push(() => server.stop());
    say(`server on ${server.url} (pgid ${server.pid}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const browser = await launchChromium(dirs);
    cleanup.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let resolveExit;
    const exited = new Promise((r) => (resolveExit = r));
    await page.exposeFunction("codeAutomationLog", (type, args) => {
      if (verbose) say(`workbench ${type}: ${JSON.stringify(args).slice(0, 500)}`);
    });
    await page.exposeFunction("codeAutomationExit", (code) => resolveExit(Number(code)));
    page.on("pageerror", (e) => verbose && say(`page error: ${e.message}`));

    // Relay the suite's own report as it is written (the extension host has no stdout we can see).
    let shown = 0;
    const relay = () => {
      if (!existsSync(report)) return;
      const text = readFileSync(report, "utf8");
      if (text.length > shown) process.stdout.write(text.slice(shown));
      shown = text.length;
    };
    const ticker = setInterval(relay, 500);
    cleanup.push(() => clearInterval(ticker));

    const url = workbenchUrl(server, {
      folder: dirs.workspace,
      extensionDevelopmentPath: extensionPath,
      extensionTestsPath: suitePath,
    });
    await page.goto(url, { timeout: 60_000 });
    let timer;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r("timeout"), TIMEOUT_MS)))]);
    clearTimeout(timer);
    relay();
    const shot = join(ARTIFACTS, `final-vscode-${layout.vscodeVersion}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    if (code === "timeout") {
      say(`step 'run the suite in the extension host' timed out after ${TIMEOUT_MS / 1000} s; screenshot: ${shot}`);
      say(`server output tail:\n${server.output.join("").slice(-3000)}`);
      exitCode = 1;
    } else {
      exitCode = code;
      const summary = /^(\d+) passed, (\d+) failed/m.exec(existsSync(report) ? readFileSync(report, "utf8") : "");
      if (!summary) say(`the suite wrote no summary (exit ${code}); screenshot: ${shot}`);
      if (code !== 0) say(`suite failed (exit ${code}); screenshot: ${shot}`);
    }
    say(`VS Code ${layout.vscodeVersion}; took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    for (const fn of cleanup.reverse())
      await Promise.resolve()
        .then(fn)
        .catch((e) => say(`cleanup: ${e.message}`));
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[integration] ${error.stack ?? error}`);
    process.exit(1);
  },
);
