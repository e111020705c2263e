/**
 * Runs a shell command for run_command with Node's child_process: combined output in arrival order, capped;
 * a timeout and Stop end the whole process group (SIGTERM, then SIGKILL), so a `sleep` behind a shell goes too.
 * Plain Node: the extension uses it as it is.
 */
import { spawn } from "node:child_process";
import type { CommandResult, CommandRunOptions } from "./types";

/** Variables that could carry the user's model key into a command's output (and so into the chat and the store). */
const HIDDEN_ENV = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "SKEIN_API_KEY"];
const KILL_GRACE_MS = 2000;

export function runShellCommand(command: string, cwd: string, options: CommandRunOptions): Promise<CommandResult> {
  const env = { ...process.env };
  for (const name of HIDDEN_ENV) delete env[name];
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason ?? new Error("Stopped before it started."));
    const windows = process.platform === "win32";
    const child = spawn(command, {
      cwd,
      env,
      shell: true,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so the timeout and Stop end the shell's children as well.
      detached: !windows,
      windowsHide: true,
    });
    let output = "";
    let bytes = 0;
    let truncated = false;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const signal = (name: NodeJS.Signals) => {
        try {
          if (!windows && child.pid !== undefined) process.kill(-child.pid, name);
          else child.kill(name);
        } catch {
          // already gone
        }
      };
      signal("SIGTERM");
      killTimer ??= setTimeout(() => signal("SIGKILL"), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = () => kill();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const take = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      if (!truncated) {
        const room = options.maxOutputBytes - bytes;
        if (chunk.length <= room) {
          output += text;
          bytes += chunk.length;
        } else {
          output += chunk.subarray(0, Math.max(0, room)).toString("utf8");
          bytes = options.maxOutputBytes;
          truncated = true;
        }
      }
      try {
        options.onOutput?.(text);
      } catch {
        // a failing listener must not break the command
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ exitCode: code, output, truncated, timedOut });
    });
  });
}
