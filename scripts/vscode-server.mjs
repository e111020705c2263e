#!/usr/bin/env node
// The real VS Code server used by `npm start` (when no desktop `code` is on PATH), `npm run test:integration`
// and `npm run test:e2e`. Installed on first use into .cache/vscode-server/ (git-ignored), never a dependency.
//
//   node scripts/vscode-server.mjs install   # install if missing; print the VS Code version and paths
//   node scripts/vscode-server.mjs version   # same, without installing (exit 1 when not installed)
//
// The library side lives in scripts/vscode/: install.mjs (the cache), server.mjs (start/stop on 127.0.0.1 in
// its own process group with throwaway dirs), browser.mjs (Debian Chromium), mock.mjs (the mock Messages API).
import { existsSync } from "node:fs";
import { ensureServer, serverLayout, CODE_SERVER_VERSION } from "./vscode/install.mjs";

const command = process.argv[2] ?? "install";
if (command === "install") {
  const s = await ensureServer();
  console.log(
    JSON.stringify(
      {
        vscode: s.vscodeVersion,
        commit: s.commit,
        codeServer: CODE_SERVER_VERSION,
        node: s.nodeBin,
        serverMain: s.serverMain,
      },
      null,
      2,
    ),
  );
} else if (command === "version") {
  const layout = serverLayout();
  if (!existsSync(layout.serverMain)) {
    console.error(`not installed (run: node scripts/vscode-server.mjs install)`);
    process.exit(1);
  }
  const s = await ensureServer();
  console.log(s.vscodeVersion);
} else {
  console.error(`usage: node scripts/vscode-server.mjs install|version (to run Skein: npm start)`);
  process.exit(2);
}
