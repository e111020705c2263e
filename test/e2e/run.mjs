// `npm run test:e2e`: the browser scenario with mocha (TypeScript via tsx).
// Prints "N passed, N failed" and exits non-zero on any failure. Screenshots: test-results/e2e/.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { register } from "tsx/cjs/api";
import Mocha from "mocha";
import { REPO_ROOT } from "../../scripts/vscode/install.mjs";

register();
rmSync(join(REPO_ROOT, "test-results", "e2e"), { recursive: true, force: true });
const mocha = new Mocha({
  ui: "bdd",
  reporter: "spec",
  timeout: 180_000,
  color: false,
  grep: process.env.SKEIN_E2E_GREP,
});
mocha.addFile(join(REPO_ROOT, "test", "e2e", "scenario.e2e.ts"));
mocha.addFile(join(REPO_ROOT, "test", "e2e", "landing.e2e.ts"));
mocha.addFile(join(REPO_ROOT, "test", "e2e", "sharedStore.e2e.ts"));
mocha.addFile(join(REPO_ROOT, "test", "e2e", "tools.e2e.ts"));
await mocha.loadFilesAsync();
const t0 = Date.now();
const stats = await new Promise((resolve) => {
  const runner = mocha.run(() => resolve(runner.stats));
});
console.log(`e2e took ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in test-results/e2e/`);
console.log(`${stats.passes} passed, ${stats.failures} failed${stats.pending ? `, ${stats.pending} skipped` : ""}`);
process.exit(stats.failures > 0 || stats.passes === 0 ? 1 : 0);
