#!/usr/bin/env node
// `npm run test:fresh-machine` (root, Linux; several minutes, so not part of `npm test`): proves that the README's
// first command works on a machine with only Node and npm. A clean clone of this repository's HEAD runs
// `npm install && npm start` inside a mount namespace (`unshare -m`) that hides the build tools and packages a
// fresh machine lacks — compilers, make, python3, every C header (so kerberos' gssapi.h), Chromium, ripgrep —
// with an empty HOME (no npm cache, no ~/.npmrc) and an empty VS Code server cache. Then, from outside the
// namespace, it checks that the served VS Code serves Skein: the workbench page answers, and Debian's Chromium
// opens it, finds Skein's activity-bar icon, runs "Skein: New Thread" and gets a streamed reply from the mock
// Messages API. Screenshots: test-results/fresh-machine/. Exit code 0 only when all of it worked.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { register } from "tsx/cjs/api";
import { REPO_ROOT } from "../../scripts/vscode/install.mjs";
import { startMock } from "../../scripts/vscode/mock.mjs";
import { launchChromium } from "../../scripts/vscode/browser.mjs";

register();
const { Workbench, typeInComposer, assistantMessages } = createRequire(import.meta.url)("../e2e/workbench.ts");

const say = (m) => console.log(`[fresh-machine] ${m}`);
const START_TIMEOUT_MS = Number(process.env.SKEIN_FRESH_TIMEOUT_MS ?? 15 * 60_000);
const SHOTS = join(REPO_ROOT, "test-results", "fresh-machine");
// What a machine with only Node and npm does not have. Binaries are hidden by binding /dev/null over them (not
// executable, so `command -v` and every spawn fail); folders by an empty tmpfs.
const HIDDEN_TOOLS = [
  "gcc",
  "g++",
  "cc",
  "c++",
  "cpp",
  "make",
  "python3",
  "python",
  "chromium",
  "rg",
  "cmake",
  "clang",
];
const HIDDEN_DIRS = ["/usr/include", "/usr/lib/gcc", "/usr/lib/chromium", "/usr/local/include"];

function freePort() {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

function namespaceScript({ clone, home }) {
  const hideTools = HIDDEN_TOOLS.map((t) => `hide_tool ${t}`).join("\n");
  const hideDirs = HIDDEN_DIRS.map((d) => `[ -d ${d} ] && mount -t tmpfs -o size=1m,mode=755 none ${d}`).join("\n");
  return `set -u
hide_tool() {
  while p=$(command -v "$1" 2>/dev/null) && [ -x "$p" ]; do
    mount --bind /dev/null "$(readlink -f "$p")" 2>/dev/null || true
    mount --bind /dev/null "$p" 2>/dev/null || break
    hash -r
  done
}
${hideTools}
${hideDirs}
echo "== what this machine has"
echo "node $(node --version), npm $(npm --version)"
present=0
for t in ${HIDDEN_TOOLS.join(" ")}; do
  if [ -x "$(command -v $t 2>/dev/null)" ]; then echo "  $t: PRESENT"; present=1; else echo "  $t: absent"; fi
done
for f in /usr/include/gssapi/gssapi.h /usr/include/stdio.h; do if [ -e $f ]; then echo "  $f: PRESENT"; present=1; else echo "  $f: absent"; fi; done
[ $present = 0 ] || { echo "some build tool is still visible: not a fair proof"; exit 3; }
echo "  HOME=${home} ($(ls -A ${home} | wc -l) entries), SKEIN_VSCODE_CACHE=\${SKEIN_VSCODE_CACHE:-unset}"
cd ${clone}
echo "== $ npm install && npm start"
npm install && npm start
`;
}

async function main() {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    console.error("[fresh-machine] needs Linux and root (it hides build tools with `unshare -m` and bind mounts)");
    process.exit(2);
  }
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  }).stdout.trim();
  if (dirty) say("note: uncommitted changes are not part of the proof (it clones HEAD)");
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).stdout.trim();
  const root = mkdtempSync(join(tmpdir(), "skein-fresh-"));
  const clone = join(root, "skein");
  const home = join(root, "home");
  mkdirSync(home);
  rmSync(SHOTS, { recursive: true, force: true });
  const cleanups = [() => rmSync(root, { recursive: true, force: true })];
  let ok = false;
  // Ctrl+C or a CI timeout still stops the namespace's processes and removes the clone.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, async () => {
      for (const fn of cleanups)
        await Promise.resolve()
          .then(fn)
          .catch(() => undefined);
      process.exit(130);
    });
  }
  try {
    say(`cloning ${head.slice(0, 10)} into ${clone}`);
    for (const args of [
      ["clone", "--quiet", "--no-checkout", REPO_ROOT, clone],
      ["-C", clone, "checkout", "--quiet", head],
    ]) {
      const r = spawnSync("git", args, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    }
    const mock = await startMock();
    cleanups.unshift(() => mock.stop());
    const port = await freePort();
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(npm_|SKEIN_|ANTHROPIC_|NODE_OPTIONS$|INIT_CWD$)/.test(k)),
    );
    Object.assign(env, {
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_CACHE_HOME: join(home, ".cache"),
      XDG_DATA_HOME: join(home, ".local", "share"),
      TMPDIR: join(root, "tmp"),
      SKEIN_PORT: String(port),
      SKEIN_BASE_URL: mock.url,
      ANTHROPIC_API_KEY: "test-key",
    });
    mkdirSync(env.TMPDIR);
    const started = Date.now();
    const child = spawn(
      "unshare",
      ["--mount", "--propagation", "private", "bash", "-c", namespaceScript({ clone, home })],
      {
        env,
        cwd: root,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    cleanups.unshift(async () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      await new Promise((done) => {
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            /* gone */
          }
          done();
        }, 8000);
        child.once("exit", () => {
          clearTimeout(t);
          done();
        });
      });
    });
    let output = "";
    const url = await new Promise((resolve, reject) => {
      const onData = (chunk) => {
        const text = chunk.toString();
        output += text;
        process.stdout.write(text.replace(/^(?=.)/gm, "  │ "));
        const m = new RegExp(`(http://127\\.0\\.0\\.1:${port}/\\?\\S+)`).exec(output);
        if (m) resolve(m[1]);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`npm install && npm start ended (code ${code}) before serving`)));
      setTimeout(
        () => reject(new Error(`no workbench URL within ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      ).unref();
    });
    const firstStart = (Date.now() - started) / 1000;
    say(`served after ${firstStart.toFixed(0)} s (npm install + build + VS Code server install + start)`);

    const cache = join(clone, ".cache", "vscode-server");
    const partials = readdirSync(cache).filter((n) => n.includes(".partial-"));
    if (partials.length) throw new Error(`partial installs left in ${cache}: ${partials.join(", ")}`);
    const du = spawnSync("du", ["-sh", cache], { encoding: "utf8" }).stdout.trim();
    say(`VS Code server cache: ${du}`);

    // The server trades the URL's connection token for a cookie (a redirect), as a browser would keep it.
    const first = await fetch(url, { redirect: "manual" });
    const cookie = first.headers.get("set-cookie")?.split(";")[0];
    const location = first.headers.get("location");
    const page =
      first.status >= 300 && first.status < 400 && location
        ? await fetch(new URL(location, url), { headers: cookie ? { cookie } : {} })
        : first;
    const html = await page.text();
    if (page.status !== 200 || !html.includes("workbench"))
      throw new Error(`GET ${url} → ${first.status}, then ${page.status}: no workbench in the page`);
    say(
      `GET the workbench → ${first.status}${page !== first ? ` → ${page.status}` : ""} (${html.length} bytes of workbench page)`,
    );

    const browserDirs = {
      home: join(root, "chromium"),
      xdgConfig: join(root, "chromium"),
      xdgData: join(root, "chromium"),
      xdgCache: join(root, "chromium"),
    };
    mkdirSync(browserDirs.home, { recursive: true });
    const browser = await launchChromium(browserDirs);
    cleanups.unshift(() => browser.close());
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const wb = new Workbench(tab, SHOTS);
    await wb.step("workbench-with-skein", async () => {
      await tab.goto(url);
      await wb.waitReady();
    });
    say("Chromium: the workbench is up and Skein's activity-bar icon is there");
    const chat = await wb.step("new-thread", async () => {
      await wb.runCommand("Skein: New Thread");
      return wb.chat();
    });
    await wb.step("a-streamed-reply", async () => {
      await typeInComposer(chat, "hi! I'm bob", true);
      await assistantMessages(chat).filter({ hasText: /bob/i }).first().waitFor({ timeout: 60_000 });
    });
    const reply = (await assistantMessages(chat).first().innerText()).trim().replace(/\s+/g, " ");
    say(`Chromium: "Skein: New Thread" → "hi! I'm bob" → reply "${reply.slice(0, 80)}"`);
    say(`screenshots: ${wb.shots.map((s) => s.slice(REPO_ROOT.length + 1)).join(", ")}`);
    ok = true;
  } catch (error) {
    console.error(`[fresh-machine] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    for (const fn of cleanups)
      await Promise.resolve()
        .then(fn)
        .catch(() => undefined);
  }
  say(ok ? "PASS: npm install && npm start works with only Node and npm, and the served VS Code runs Skein" : "FAIL");
  process.exit(ok ? 0 : 1);
}

await main();
