// Runs every bench/*.bench.ts (or the ones named: `npm run bench store chat`) in its own process (fresh heap, fair "fresh process" figures) and prints their figures.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const only = process.argv.slice(2);
const files = readdirSync("bench")
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => only.length === 0 || only.some((word) => name === `${word}.bench.ts` || name === word))
  .sort();
let failed = 0;
for (const name of files) {
  console.log(`\n## ${name}`);
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join("bench", name)], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
