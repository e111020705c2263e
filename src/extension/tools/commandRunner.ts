/**
 * Runs one shell command line for `run_command`: in the user's shell, in its own process group so a timeout or
 * Stop ends everything it started, with stdout and stderr interleaved as they arrive, streamed to `onOutput` and
 * kept up to `maxOutputBytes` (the rest is counted, not kept). No `vscode` import.
 */
import { spawn } from "node:child_process";

export interface CommandRunOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  maxOutputBytes: number;
  onOutput?(chunk: string): void;
  env?: NodeJS.ProcessEnv;
}

export interface CommandRunResult {
  /** null when the process ended by a signal (timeout, Stop). */
  exitCode: number | null;
  output: string;
  timedOut: boolean;
  cancelled: boolean;
  /** Bytes of output dropped beyond the cap. */
  truncatedBytes: number;
  durationMs: number;
}

export function runShellCommand(command: string, cwd: string, options: CommandRunOptions): Promise<CommandRunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, output: "", timedOut: false, cancelled: true, truncatedBytes: 0, durationMs: 0 });
      return;
    }
    const windows = process.platform === "win32";
    const child = spawn(command, {
      cwd,
      shell: true,
      // Its own process group (POSIX): killing -pid ends the shell and whatever it started.
      detached: !windows,
      windowsHide: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...(options.env ?? process.env), CI: "1", TERM: "dumb", NO_COLOR: "1", GIT_PAGER: "cat", PAGER: "cat" },
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncatedBytes = 0;
    let timedOut = false;
    let cancelled = false;
    const onData = (data: Buffer) => {
      const room = options.maxOutputBytes - kept;
      if (room > 0) {
        const part = data.length > room ? data.subarray(0, room) : data;
        chunks.push(part);
        kept += part.length;
        options.onOutput?.(part.toString("utf8"));
      }
      if (data.length > Math.max(room, 0)) truncatedBytes += data.length - Math.max(room, 0);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const kill = () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        if (windows) child.kill();
        else process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        exitCode: code,
        output: Buffer.concat(chunks).toString("utf8"),
        timedOut,
        cancelled,
        truncatedBytes,
        durationMs: Date.now() - started,
      });
    });
  });
}
