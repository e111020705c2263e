// Runs the mock Messages API server (test/fixtures/mock-anthropic/cli.ts) as its own process group.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT } from "./install.mjs";

const live = new Set();
process.on("exit", () => {
  for (const pid of live) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

export async function startMock({ env = {}, log = () => {}, timeoutMs = 30_000 } = {}) {
  const tsxCli = join(createRequire(import.meta.url).resolve("tsx/package.json"), "..", "dist", "cli.mjs");
  const child = spawn(process.execPath, [tsxCli, join(REPO_ROOT, "test/fixtures/mock-anthropic/cli.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child.pid);
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => {
    err += c;
    for (const line of c.toString().split("\n")) if (line.trim()) log(line);
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`mock Messages API did not start within ${timeoutMs} ms:\n${err}`)),
      timeoutMs,
    );
    child.stdout.on("data", (c) => {
      out += c;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line && out.includes("\n")) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`mock Messages API exited with ${code} before printing its url:\n${err}`));
    });
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    url,
    pid: child.pid,
    /** Recorded requests, from the mock's control endpoint. */
    async requests() {
      const res = await fetch(`${url}/__mock/requests`);
      return res.json();
    },
    async reset() {
      await fetch(`${url}/__mock/reset`, { method: "POST" });
    },
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
      live.delete(child.pid);
    },
  };
}
