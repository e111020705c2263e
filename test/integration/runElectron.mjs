// `npm run test:electron`: the same in-editor suite through @vscode/test-electron, for machines with a desktop
// VS Code or internet (developer laptops, hosted CI). It downloads VS Code into .vscode-test/ unless
// SKEIN_VSCODE_EXECUTABLE points at an installed one. Machines that reach only package registries use
// `npm run test:integration` (the VS Code server harness) instead: see shared/notes/real-vscode-testing.md.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTests } from "@vscode/test-electron";
import { REPO_ROOT } from "../../scripts/vscode/install.mjs";
import { makeRunDirs, QUIET_SETTINGS } from "../../scripts/vscode/server.mjs";
import { startMock } from "../../scripts/vscode/mock.mjs";
import { bundleSuite } from "./bundle.mjs";

const say = (m) => console.log(`[electron] ${m}`);

async function main() {
  const b = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs")], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  if (b.status !== 0) throw new Error("step 'build the extension' failed");
  const suitePath = await bundleSuite();
  const mock = await startMock();
  const dirs = makeRunDirs("skein-electron-");
  try {
    writeFileSync(join(dirs.workspace, "README.md"), "# A workspace for Skein's in-editor suite\n");
    mkdirSync(join(dirs.userData, "User"), { recursive: true });
    writeFileSync(
      join(dirs.userData, "User", "settings.json"),
      JSON.stringify({ ...QUIET_SETTINGS, "skein.baseUrl": mock.url }, null, 2),
    );
    const code = await runTests({
      vscodeExecutablePath: process.env.SKEIN_VSCODE_EXECUTABLE || undefined,
      version: process.env.SKEIN_VSCODE_VERSION || undefined,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: suitePath,
      launchArgs: [
        dirs.workspace,
        `--user-data-dir=${dirs.userData}`,
        `--extensions-dir=${dirs.extensions}`,
        "--disable-workspace-trust",
        "--skip-welcome",
        "--skip-release-notes",
      ],
      extensionTestsEnv: {
        ANTHROPIC_API_KEY: "test-key",
        SKEIN_TEST_MOCK_URL: mock.url,
        SKEIN_TEST_WORKSPACE: dirs.workspace,
        SKEIN_TEST_USER_DATA: dirs.userData,
        HOME: dirs.home,
        XDG_CONFIG_HOME: dirs.xdgConfig,
        XDG_DATA_HOME: dirs.xdgData,
        XDG_CACHE_HOME: dirs.xdgCache,
      },
    });
    return code;
  } finally {
    await mock.stop();
    rmSync(dirs.root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code ?? 0),
  (error) => {
    say(`failed: ${error.stack ?? error}`);
    say(
      "no desktop VS Code could be started; set SKEIN_VSCODE_EXECUTABLE, or use `npm run test:integration` (VS Code server harness)",
    );
    process.exit(1);
  },
);
