/**
 * How long VS Code waits for Skein to activate: loading the production bundle (dist/extension.js as
 * `npm run package` builds it) plus `activate()`. Target ≤ 50 ms.
 *
 * A tiny stand-in for the `vscode` module is injected with a require hook — acceptable here only because this
 * measures load + wiring time, not behaviour (the in-editor suite runs the real thing). Each sample is a fresh
 * Node process, as an extension host is: nothing is warm.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const TARGET_MS = 50;
const SAMPLES = 7;

const FAKE_VSCODE = String.raw`
const disposable = () => ({ dispose() {} });
class EventEmitter { constructor() { this.event = () => disposable(); } fire() {} dispose() {} }
class Uri {
  constructor(p) { this.fsPath = p; this.path = p; this.scheme = "file"; }
  static file(p) { return new Uri(p); }
  static joinPath(u, ...parts) { return new Uri(require("node:path").join(u.fsPath, ...parts)); }
  toString() { return "file://" + this.fsPath; }
}
module.exports = {
  EventEmitter, Uri,
  TreeItem: class { constructor(label, state) { this.label = label; this.collapsibleState = state; } },
  ThemeIcon: class { constructor(id) { this.id = id; } },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ColorThemeKind: { Light: 1, Dark: 2, HighContrast: 3, HighContrastLight: 4 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  extensions: { all: [], onDidChange: disposable },
  l10n: { t: (s) => s },
  env: { language: "en", clipboard: { writeText: async () => {} } },
  workspace: {
    workspaceFile: undefined,
    workspaceFolders: [{ uri: Uri.file("/tmp/skein-bench-project") }],
    name: "skein-bench-project",
    isTrusted: true,
    getConfiguration: () => ({ get: () => undefined, inspect: () => undefined }),
    onDidGrantWorkspaceTrust: disposable,
    onDidChangeConfiguration: disposable,
  },
  window: {
    // A TreeView not yet shown (a visible one starts the tree's minute clock, which would keep the sample alive).
    createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
    activeColorTheme: { kind: 2 },
    onDidChangeActiveColorTheme: disposable,
    createTreeView: () => ({ visible: false, onDidChangeVisibility: disposable, dispose() {} }),
    registerWebviewViewProvider: disposable,
    showQuickPick: async () => undefined, showInputBox: async () => undefined,
    showWarningMessage: async () => undefined, showInformationMessage: async () => undefined, showErrorMessage: async () => undefined,
  },
  commands: { registerCommand: disposable, executeCommand: async () => undefined },
};
`;

const SAMPLE = String.raw`
const Module = require("node:module");
const fake = require(process.env.FAKE_VSCODE);
const load = Module._load;
Module._load = function (request, ...rest) { return request === "vscode" ? fake : load.call(this, request, ...rest); };
const secrets = new Map();
const context = {
  subscriptions: [],
  globalStorageUri: fake.Uri.file(process.env.STORAGE),
  extensionUri: fake.Uri.file(process.cwd()),
  workspaceState: { get: () => undefined, update: async () => {} },
  secrets: { get: async (k) => secrets.get(k), store: async (k, v) => void secrets.set(k, v), delete: async (k) => void secrets.delete(k), onDidChange: () => ({ dispose() {} }) },
};
const t0 = process.hrtime.bigint();
const ext = require(process.env.BUNDLE);
const t1 = process.hrtime.bigint();
ext.activate(context);
const t2 = process.hrtime.bigint();
// Not part of activation, printed for information: loading the engine for the first store open (what the tree
// waits for; the SDK in sdk.js loads later still, on the first model call).
require(require("node:path").join(require("node:path").dirname(process.env.BUNDLE), "engine.js"));
const t3 = process.hrtime.bigint();
process.stdout.write(JSON.stringify({ load: Number(t1 - t0) / 1e6, activate: Number(t2 - t1) / 1e6, engine: Number(t3 - t2) / 1e6 }));
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "skein-activate-"));
  try {
    const bundle = join(dir, "extension.js");
    // The same two host bundles scripts/build.mjs --production makes (the engine is its own file, loaded later).
    const host = {
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      external: ["vscode"],
      minify: true,
      logLevel: "error",
    } as const;
    await build({
      ...host,
      entryPoints: [resolve("src/extension/main.ts")],
      outfile: bundle,
      define: { SKEIN_ENGINE_FILE: '"engine.js"' },
    });
    const sdkFile = {
      name: "skein-sdk-file",
      setup(b: import("esbuild").PluginBuild) {
        b.onResolve({ filter: /^@anthropic-ai\/sdk$/ }, () => ({ path: "sdk.js", namespace: "skein-sdk-file" }));
        b.onLoad({ filter: /.*/, namespace: "skein-sdk-file" }, () => ({
          contents: 'module.exports = require(require("node:path").join(__dirname, "sdk.js"));',
          loader: "js",
        }));
      },
    };
    await build({
      ...host,
      entryPoints: [resolve("src/extension/engine/engineEntry.ts")],
      outfile: join(dir, "engine.js"),
      plugins: [sdkFile],
    });
    await build({ ...host, entryPoints: [resolve("src/extension/engine/sdkEntry.ts")], outfile: join(dir, "sdk.js") });
    const fake = join(dir, "vscode-fake.js");
    writeFileSync(fake, FAKE_VSCODE);
    const samples: { load: number; activate: number; engine: number; total: number }[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const run = spawnSync(process.execPath, ["-e", SAMPLE], {
        env: { ...process.env, BUNDLE: bundle, FAKE_VSCODE: fake, STORAGE: join(dir, `storage-${i}`) },
        encoding: "utf8",
      });
      if (run.status !== 0) throw new Error(`sample ${i} failed: ${run.stderr}`);
      const s = JSON.parse(run.stdout) as { load: number; activate: number; engine: number };
      samples.push({ ...s, total: s.load + s.activate });
    }
    const sorted = samples.map((s) => s.total).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const worst = sorted.at(-1)!;
    const mid = samples.find((s) => s.total === median)!;
    console.log(`activate (fresh process, production bundle, ${SAMPLES} samples)`);
    console.log(
      `  median ${median.toFixed(1)} ms (load ${mid.load.toFixed(1)} ms + activate() ${mid.activate.toFixed(1)} ms), worst ${worst.toFixed(1)} ms`,
    );
    console.log(`  later, on first use (not in activation): engine bundle load ${mid.engine.toFixed(1)} ms`);
    console.log(`  target ≤ ${TARGET_MS} ms: ${median <= TARGET_MS ? "met" : "MISSED"}`);
    if (median > TARGET_MS) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
