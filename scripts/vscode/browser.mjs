// Debian's Chromium driven by playwright-core (no browser download). Flags from shared/notes/real-vscode-testing.md.
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.SKEIN_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Launches Chromium with HOME/XDG pointed at the run's throwaway dirs (Chromium writes caches there). */
export async function launchChromium(dirs) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (or .ci/run), or set SKEIN_CHROMIUM`,
    );
  }
  const env = { ...process.env };
  if (dirs)
    Object.assign(env, {
      HOME: dirs.home,
      XDG_CONFIG_HOME: dirs.xdgConfig,
      XDG_DATA_HOME: dirs.xdgData,
      XDG_CACHE_HOME: dirs.xdgCache,
    });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, env, timeout: 60_000 });
}
