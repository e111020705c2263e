#!/usr/bin/env node
// `npm start`: opens Skein for real.
// - With a desktop VS Code (`code` on PATH): builds and launches it as an Extension Development Host.
// - Otherwise (or with --browser): builds, installs the real VS Code server on first use (.cache/vscode-server/),
//   serves it on 127.0.0.1 with Skein loaded as the extension under development, and prints the URL to open.
//   The profile (settings, SecretStorage, Skein's threads) is kept in .cache/start-profile/ between runs.
// ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL) from the environment reach the extension host; SKEIN_BASE_URL sets
// skein.baseUrl in that profile. Without a key Skein shows its "set your key" welcome.
//
//   npm start [-- --browser] [--folder <dir>] [--port <n>] [--mock] [--fresh]
//   --mock: also run the local mock Messages API and point Skein at it (no key or network needed).
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join, resolve } from "node:path";
import { ensureServer, REPO_ROOT } from "./vscode/install.mjs";
import { makeRunDirs, startServer, workbenchUrl, writeMachineSettings, writeSettings } from "./vscode/server.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const say = (m) => console.log(`[skein] ${m}`);

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function build() {
  say("building (npm run build)…");
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs")], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  if (r.status !== 0) {
    console.error("[skein] build failed; fix the errors above and run npm start again");
    process.exit(r.status ?? 1);
  }
}

function portIsFree(port) {
  return new Promise((done) => {
    const probe = createServer();
    probe.once("error", () => done(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => done(true)));
  });
}

const folder = resolve(option("--folder") ?? process.env.INIT_CWD ?? process.cwd());
// --mock, --port and --fresh only mean something for the served VS Code: they imply --browser rather than being
// silently ignored by a desktop launch (where --mock would otherwise reach the real API).
const browserOnly = ["--browser", "--mock", "--port", "--fresh"].some(flag);
const code = browserOnly ? undefined : findOnPath(process.platform === "win32" ? "code.cmd" : "code");

build();

if (code) {
  say(`launching ${code} as an Extension Development Host on ${folder}`);
  const child = spawn(code, [`--extensionDevelopmentPath=${REPO_ROOT}`, "--new-window", folder], {
    stdio: "inherit",
    env: process.env,
  });
  child.on("exit", (status) => process.exit(status ?? 0));
} else {
  await serveInBrowser();
}

async function serveInBrowser() {
  let layout;
  try {
    layout = await ensureServer({ log: say });
  } catch (error) {
    // An install failure is a message for the user (what failed, what to run), not a stack trace.
    if (error?.name !== "ServerInstallError") throw error;
    console.error(`[skein] could not install the VS Code server (${error.code}): ${error.message}`);
    process.exit(1);
  }
  const profileRoot = join(REPO_ROOT, ".cache", "start-profile");
  if (flag("--fresh")) rmSync(profileRoot, { recursive: true, force: true });
  mkdirSync(profileRoot, { recursive: true });
  const dirs = makeRunDirs(undefined, profileRoot);

  const cleanup = [];
  // The user's Anthropic settings (key, base URL…) reach the extension host as they would in a desktop VS Code.
  const env = { EXTENSIONS_GALLERY: "{}" };
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("ANTHROPIC_") && v) env[k] = v;
  let baseUrl = process.env.SKEIN_BASE_URL;
  if (flag("--mock")) {
    const { startMock } = await import("./vscode/mock.mjs");
    const mock = await startMock();
    cleanup.push(() => mock.stop());
    baseUrl = mock.url;
    env.ANTHROPIC_API_KEY = process.env.ANTHROPIC_API_KEY ?? "test-key";
    say(`mock Messages API on ${mock.url} (try "hi! I'm bob", then "what's my name?")`);
  }

  // The kept profile's user settings are the user's (seeded quiet and offline on first run); what this run
  // decides (skein.baseUrl from SKEIN_BASE_URL or --mock) goes into the machine settings, rewritten every start.
  if (!existsSync(join(dirs.userData, "User", "settings.json"))) writeSettings(dirs, {});
  writeMachineSettings(dirs, baseUrl ? { "skein.baseUrl": baseUrl } : {});

  // Threads are keyed by the workspace's URI, which for a served VS Code includes host:port: keep the port.
  let port = Number(option("--port") ?? process.env.SKEIN_PORT ?? 8765);
  if (!(await portIsFree(port))) {
    say(`port ${port} is busy; using a random one (threads made on another port show under "All Workspaces")`);
    port = 0;
  }
  const server = await startServer({
    layout,
    dirs,
    env,
    port,
    keepDirs: true,
    log: process.env.SKEIN_VERBOSE ? (l) => say(l) : () => {},
  });
  cleanup.push(() => server.stop({ keepDirs: true }));

  let stopping = false;
  const stop = async () => {
    stopping = true;
    say("stopping…");
    for (const fn of cleanup.reverse())
      await Promise.resolve()
        .then(fn)
        .catch(() => undefined);
    process.exit(0);
  };
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());

  const url = workbenchUrl(server, { folder, extensionDevelopmentPath: REPO_ROOT });
  const key = env.ANTHROPIC_API_KEY ?? process.env.ANTHROPIC_API_KEY;
  say(`VS Code ${layout.vscodeVersion} with Skein (under development) is running. Open this URL in a browser:`);
  console.log(`\n  ${url}\n`);
  say(
    key
      ? "ANTHROPIC_API_KEY is set for the extension host."
      : 'No ANTHROPIC_API_KEY: use "Skein: Set API Key" in the editor.',
  );
  say(`profile kept in ${profileRoot} (--fresh to start over). Ctrl+C stops the server.`);
  const exitInfo = await server.waitForExit();
  if (stopping) return; // Ctrl+C: stop() finishes and exits
  say(`the VS Code server stopped (code ${exitInfo.code}); last output:\n${server.output.join("").slice(-2000)}`);
  for (const fn of cleanup.reverse())
    await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
  process.exit(1);
}
