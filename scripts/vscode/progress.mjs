// Progress for the long first install of the VS Code server: which step runs, how many of its packages are on
// disk, how long it has taken. On a terminal one line is rewritten in place; in a log (CI, a pipe) a line is
// printed every 15 s so a silent minute never looks like a hang.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The packages an `npm install --omit=dev` of `dir` will put on disk, from its lockfile or shrinkwrap (whichever
 * exists): paths relative to `dir`. Empty when neither exists (progress then shows only elapsed time).
 */
export function expectedPackages(dir) {
  for (const name of ["npm-shrinkwrap.json", "package-lock.json"]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const lock = JSON.parse(readFileSync(file, "utf8"));
    return Object.entries(lock.packages ?? {})
      .filter(([path, meta]) => path.startsWith("node_modules/") && !meta.dev && !meta.link && osAndCpuMatch(meta))
      .map(([path]) => path);
  }
  return [];
}

function osAndCpuMatch(meta) {
  const ok = (list, value) =>
    !list || list.some((x) => x === value) || (list.every((x) => x.startsWith("!")) && !list.includes(`!${value}`));
  return ok(meta.os, process.platform) && ok(meta.cpu, process.arch);
}

/**
 * Starts reporting one step; `stop()` ends it. `dir` + `packages` (from expectedPackages) give "n/N packages".
 */
export function startProgress({ step, total, what, dir, packages = [], write = (line) => process.stdout.write(line) }) {
  const started = Date.now();
  const tty = process.stdout.isTTY === true;
  let lastLogged = 0;
  const line = () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    let count = "";
    if (packages.length) {
      const done = packages.filter((p) => existsSync(join(dir, p, "package.json"))).length;
      count = ` — ${done}/${packages.length} packages (${Math.floor((100 * done) / packages.length)}%)`;
    }
    return `[${step}/${total}] ${what}${count}, ${seconds} s`;
  };
  const tick = () => {
    if (tty) write(`\r\x1b[2K${line()}`);
    else if (Date.now() - lastLogged >= 15_000) {
      lastLogged = Date.now();
      write(`${line()}\n`);
    }
  };
  tick();
  const timer = setInterval(tick, tty ? 1000 : 5000);
  return {
    stop(ok = true) {
      clearInterval(timer);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const end = `[${step}/${total}] ${what}: ${ok ? "done" : "failed"} in ${seconds} s`;
      write(tty ? `\r\x1b[2K${end}\n` : `${end}\n`);
    },
  };
}
