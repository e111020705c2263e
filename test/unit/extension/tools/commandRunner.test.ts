import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runShellCommand } from "../../../../src/extension/tools/commandRunner";

const cwd = realpathSync(mkdtempSync(join(tmpdir(), "skein-cmd-")));
const base = { timeoutMs: 20_000, maxOutputBytes: 64 * 1024 };

describe.skipIf(process.platform === "win32")("run_command's runner", () => {
  it("runs in the given folder, interleaves stdout and stderr as they come, streams them and returns the exit code", async () => {
    const chunks: string[] = [];
    const result = await runShellCommand("pwd; echo out; echo err 1>&2; exit 3", cwd, {
      ...base,
      onOutput: (c) => chunks.push(c),
    });
    expect(result.exitCode).toBe(3);
    expect(result.output).toBe(`${cwd}\nout\nerr\n`);
    expect(chunks.join("")).toBe(result.output);
    expect(result.timedOut).toBe(false);
  });

  it("keeps output up to the cap and counts the rest", async () => {
    const result = await runShellCommand("head -c 100000 /dev/zero | tr '\\0' x", cwd, {
      ...base,
      maxOutputBytes: 1000,
    });
    expect(result.output).toBe("x".repeat(1000));
    expect(result.truncatedBytes).toBe(99_000);
    expect(result.exitCode).toBe(0);
  });

  it("stops a command at its timeout, with what it started", async () => {
    const result = await runShellCommand("echo started; sleep 30 & sleep 30; echo never", cwd, {
      ...base,
      timeoutMs: 300,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.output).toBe("started\n");
  });

  it("stops when the turn is stopped (AbortSignal)", async () => {
    const abort = new AbortController();
    const running = runShellCommand("echo go; sleep 30", cwd, {
      ...base,
      signal: abort.signal,
      onOutput: () => abort.abort(),
    });
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.exitCode).toBeNull();
  });
});
