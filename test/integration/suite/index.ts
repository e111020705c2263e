/**
 * Entry of the in-editor suite: `run()` is the @vscode/test-electron contract, executed inside the real
 * extension host by both runners (runServer.mjs: VS Code server + web workbench; runElectron.mjs: desktop).
 * Test files export a function that registers their `describe` blocks, so they register after mocha's
 * `pre-require` (the bundle would otherwise evaluate them before mocha's globals exist).
 */
import { appendFileSync } from "node:fs";
import { format } from "node:util";
import Mocha from "mocha";
import { activationTests } from "./activation.test";
import { apiKeyTests } from "./apiKey.test";
import { exportImportTests } from "./exportImport.test";
import { settingsTests } from "./settings.test";
import { storeTests } from "./store.test";
import { deleteAllTests, threadsTests } from "./threads.test";
import { toolsTests } from "./tools.test";

const REGISTER: Array<() => void> = [
  activationTests,
  threadsTests,
  apiKeyTests,
  settingsTests,
  exportImportTests,
  storeTests,
  toolsTests,
  deleteAllTests,
];

/** Mocha's reporters print through Base.consoleLog; mirror it into the report file the server runner relays. */
function mirrorOutput(reportFile: string | undefined): (line: string) => void {
  const write = (line: string) => {
    console.log(line);
    if (reportFile) appendFileSync(reportFile, line + "\n");
  };
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void; useColors: boolean };
  base.useColors = false;
  base.consoleLog = (...args: unknown[]) => write(format(...args));
  return write;
}

export async function run(): Promise<void> {
  const write = mirrorOutput(process.env.SKEIN_TEST_REPORT);
  const mocha = new Mocha({
    ui: "bdd",
    reporter: "spec",
    timeout: 60_000,
    color: false,
    grep: process.env.SKEIN_TEST_GREP,
  });
  mocha.suite.emit("pre-require", globalThis, "skein-integration", mocha);
  for (const register of REGISTER) register();
  const { passes, failures } = await new Promise<{ passes: number; failures: number }>((resolve) => {
    const runner = mocha.run(() =>
      resolve({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? 0 }),
    );
  });
  write(`${passes} passed, ${failures} failed`);
  if (failures > 0) throw new Error(`${failures} in-editor test(s) failed`);
  if (passes === 0) throw new Error("the in-editor suite ran no test");
}
