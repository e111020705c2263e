// Bundles: the extension host (node/cjs, `vscode` external) in two files — extension.js (activation: wiring
// only) and engine.js (store, graph, chat, model + SDK; loaded on first use) — and the webview (browser/iife).
import * as esbuild from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

const common = {
  bundle: true,
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "info",
  legalComments: "none",
};

const builds = [];
if (existsSync("src/extension/main.ts")) {
  builds.push({
    ...common,
    entryPoints: { extension: "src/extension/main.ts" },
    outdir: "dist",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    // src/extension/engine/loadEngine.ts requires dist/engine.js by this name instead of bundling the engine.
    define: existsSync("src/extension/engine/engineEntry.ts") ? { SKEIN_ENGINE_FILE: '"engine.js"' } : {},
  });
}
// In engine.js the SDK is a stub that requires dist/sdk.js, built separately: the SDK (~440 KB) is parsed only
// when the first model call imports it, not when the tree first opens a store.
const sdkAsSeparateFile = {
  name: "skein-sdk-file",
  setup(build) {
    build.onResolve({ filter: /^@anthropic-ai\/sdk$/ }, () => ({ path: "sdk.js", namespace: "skein-sdk-file" }));
    build.onLoad({ filter: /.*/, namespace: "skein-sdk-file" }, () => ({
      contents: 'module.exports = require(require("node:path").join(__dirname, "sdk.js"));',
      loader: "js",
    }));
  },
};
if (existsSync("src/extension/engine/engineEntry.ts")) {
  const split = existsSync("src/extension/engine/sdkEntry.ts");
  builds.push({
    ...common,
    entryPoints: { engine: "src/extension/engine/engineEntry.ts" },
    outdir: "dist",
    platform: "node",
    format: "cjs",
    target: "node20",
    // pg requires pg-native only when asked for native bindings (never: no native modules in the extension).
    external: ["vscode", "pg-native"],
    plugins: split ? [sdkAsSeparateFile] : [],
  });
  if (split) {
    builds.push({
      ...common,
      // Third-party code nobody steps through: minified in development too (the sourcemap still maps it), so
      // a dev build parses as fast as the VSIX's and stays under esbuild's 1 MB size warning.
      minify: true,
      entryPoints: { sdk: "src/extension/engine/sdkEntry.ts" },
      outdir: "dist",
      platform: "node",
      format: "cjs",
      target: "node20",
    });
  }
}
if (existsSync("src/webview/main.ts")) {
  builds.push({
    ...common,
    // highlight.js is its own file, loaded by the webview the first time a code block needs colours.
    entryPoints: { webview: "src/webview/main.ts", highlight: "src/webview/highlightBundle.ts" },
    outdir: "dist",
    platform: "browser",
    format: "iife",
    target: "es2022",
    loader: { ".ttf": "file" },
  });
}

// The chat webview's icons: the codicon font and its css, served from dist/ (a localResourceRoot).
const codicons = "node_modules/@vscode/codicons/dist";
if (existsSync(codicons)) {
  mkdirSync("dist/codicons", { recursive: true });
  for (const file of ["codicon.css", "codicon.ttf"]) copyFileSync(`${codicons}/${file}`, `dist/codicons/${file}`);
}

// The English l10n bundle: every string literal passed to vscode.l10n.t in src/extension (translators copy it
// to bundle.l10n.<lang>.json). test/unit/extension/l10n.test.ts checks it is complete.
if (existsSync("src/extension")) {
  const strings = new Set();
  for (const file of readdirSync("src/extension", { recursive: true }).filter((f) => f.endsWith(".ts"))) {
    const source = readFileSync(`src/extension/${file}`, "utf8");
    for (const match of source.matchAll(/\b(?:l10n\.)?t\(\s*"((?:[^"\\]|\\.)*)"/g))
      strings.add(JSON.parse(`"${match[1]}"`));
  }
  const bundle = Object.fromEntries([...strings].sort().map((s) => [s, s]));
  mkdirSync("l10n", { recursive: true });
  writeFileSync("l10n/bundle.l10n.json", `${JSON.stringify(bundle, null, 2)}\n`);
}

for (const options of builds) {
  if (watch) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  } else {
    await esbuild.build(options);
  }
}
