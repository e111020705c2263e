// Starts the real VS Code server (from scripts/vscode/install.mjs) on 127.0.0.1 in its own process group,
// with throwaway HOME / XDG / user-data / server-data / extensions dirs, and always stops the whole group.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Settings that keep a throwaway profile quiet and offline: no telemetry, updates, experiments, welcome. */
export const QUIET_SETTINGS = {
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "workbench.enableExperiments": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true,
  "chat.commandCenter.enabled": false,
  "github.copilot.enable": { "*": false },
  "git.enabled": false,
  "npm.autoDetect": "off",
  "typescript.tsserver.experimental.enableProjectDiagnostics": false,
  "window.dialogStyle": "custom",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
};

const live = new Set();
let hooksInstalled = false;

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

// Whatever happens to the runner (test failure, exception, Ctrl+C, SIGTERM from CI), no server outlives it.
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const s of live) {
      killGroup(s.pid, "SIGKILL");
      s.cleanupDirsSync();
    }
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.once(sig, () => {
      for (const s of live) killGroup(s.pid, "SIGKILL");
      process.exit(128 + { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[sig]);
    });
  }
}

/**
 * The dirs one server run writes into (HOME, XDG, user data, server data, extensions, a workspace): by default a
 * fresh throwaway set under the OS temp dir; `root` gives a kept profile (npm start). Never the real $HOME.
 */
export function makeRunDirs(prefix = "skein-vscode-", root = mkdtempSync(join(tmpdir(), prefix))) {
  const dirs = {
    root,
    home: join(root, "home"),
    xdgConfig: join(root, "xdg-config"),
    xdgData: join(root, "xdg-data"),
    xdgCache: join(root, "xdg-cache"),
    userData: join(root, "user-data"),
    serverData: join(root, "server-data"),
    extensions: join(root, "extensions"),
    workspace: join(root, "workspace"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return dirs;
}

/** Writes the throwaway profile's user settings (`<user-data-dir>/User/settings.json`, read by the server). */
export function writeSettings(dirs, settings) {
  writeJson(join(dirs.userData, "User", "settings.json"), { ...QUIET_SETTINGS, ...settings });
}

/**
 * Writes the server's machine settings (`<user-data-dir>/Machine/settings.json`): they override user settings
 * for window- and resource-scoped settings (all of Skein's), so a kept profile's own user settings stay untouched.
 */
export function writeMachineSettings(dirs, settings) {
  writeJson(join(dirs.userData, "Machine", "settings.json"), settings);
}

function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2));
}

/**
 * Starts `server-main.js` under Node 24. Resolves once it listens; `stop()` ends the whole process group.
 * `env` is merged into the server's environment, which the extension host inherits (e.g. ANTHROPIC_API_KEY).
 */
export async function startServer({
  layout,
  dirs,
  env = {},
  port = 0,
  log = () => {},
  startTimeoutMs = 60_000,
  token = true,
  keepDirs: keepProfile = false,
}) {
  installExitHooks();
  const connectionToken = token ? randomBytes(16).toString("hex") : null;
  const args = [
    layout.serverMain,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--accept-server-license-terms",
    "--telemetry-level",
    "off",
    "--disable-workspace-trust",
    "--user-data-dir",
    dirs.userData,
    "--server-data-dir",
    dirs.serverData,
    "--extensions-dir",
    dirs.extensions,
  ];
  // VS Code ≥ 1.139 honours the page URL's extensionDevelopmentPath/extensionTestsPath payload only with the
  // smoke-test driver on; 1.100 honours it without, and with it refuses every modal dialog ("in tests").
  if (layout.flavour !== "oldest") args.push("--enable-smoke-test-driver");
  if (connectionToken) {
    const tokenFile = join(dirs.root, "connection-token");
    writeFileSync(tokenFile, connectionToken, { mode: 0o600 });
    args.push("--connection-token-file", tokenFile);
  } else {
    args.push("--without-connection-token");
  }
  const runTmp = keepProfile ? mkdtempSync(join(tmpdir(), "skein-vscode-tmp-")) : join(dirs.root, "tmp");
  mkdirSync(runTmp, { recursive: true });
  const childEnv = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    // The server leaves IPC sockets in TMPDIR: give it one that is removed with the run.
    TMPDIR: runTmp,
    VSCODE_AGENT_FOLDER: dirs.serverData,
    ...env,
  };
  // The server must not resolve our npm run context as its own, and the extension host sees only the Anthropic
  // settings the caller passes (a developer's real key or base URL must never reach a test run).
  for (const k of Object.keys(childEnv)) {
    if (k.startsWith("npm_") || k === "NODE_OPTIONS" || (k.startsWith("ANTHROPIC_") && !(k in env))) delete childEnv[k];
  }
  const child = spawn(layout.nodeBin, args, {
    cwd: dirs.workspace,
    env: childEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = [];
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );

  const server = {
    pid: child.pid,
    port: 0,
    url: "",
    token: connectionToken,
    dirs,
    output,
    exited: () => exited,
    waitForExit: () => exitPromise,
    cleanupDirsSync() {
      if (keepProfile) rmSync(runTmp, { recursive: true, force: true });
      if (keepProfile || process.env.SKEIN_KEEP_DIRS) return;
      try {
        rmSync(dirs.root, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        /* a straggler may still hold a file */
      }
    },
    async stop({ keepDirs = false } = {}) {
      if (!exited) {
        killGroup(child.pid, "SIGTERM");
        const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      // The group may hold children (watchers, extension host) that outlive the main process for a moment.
      killGroup(child.pid, "SIGKILL");
      live.delete(server);
      if (!keepDirs || keepProfile) server.cleanupDirsSync();
    },
  };
  live.add(server);

  const listening = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      const text = chunk.toString();
      output.push(text);
      if (output.length > 2000) output.splice(0, output.length - 2000);
      for (const line of text.split("\n")) if (line.trim()) log(line);
      const m = /Extension host agent listening on (\d+)/.exec(output.join(""));
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exitPromise.then((e) =>
      reject(
        new Error(
          `VS Code server exited before listening (code ${e.code}, signal ${e.signal}):\n${output.join("").slice(-4000)}`,
        ),
      ),
    );
  });
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`VS Code server did not listen within ${startTimeoutMs} ms:\n${output.join("").slice(-4000)}`),
        ),
      startTimeoutMs,
    );
  });
  try {
    server.port = await Promise.race([listening, timeout]);
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  server.url = `http://127.0.0.1:${server.port}`;
  return server;
}

/**
 * The workbench URL that opens `folder` with the extension under development (and, with `testsPath`, runs the
 * suite's exported run() in the extension host): the server CLI rejects these flags, the web client accepts
 * them in `payload`.
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(["extensionDevelopmentPath", remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(["extensionTestsPath", remote(extensionTestsPath)]);
  const params = new URLSearchParams();
  if (server.token) params.set("tkn", server.token);
  if (folder) params.set("folder", folder);
  if (payload.length) params.set("payload", JSON.stringify(payload));
  return `${server.url}/?${params.toString()}`;
}
