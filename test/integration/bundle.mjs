// Bundles the in-editor suite (test/integration/suite/index.ts) for the extension host: CommonJS, `vscode` and
// `mocha` left to the host's require (mocha from node_modules, the same instance the suite registers into).
import * as esbuild from "esbuild";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/vscode/install.mjs";

export const SUITE_OUT = join(REPO_ROOT, "out", "integration", "suite", "index.js");

export async function bundleSuite() {
  await esbuild.build({
    entryPoints: [join(REPO_ROOT, "test", "integration", "suite", "index.ts")],
    outfile: SUITE_OUT,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    external: ["vscode", "mocha"],
    logLevel: "warning",
  });
  return SUITE_OUT;
}
