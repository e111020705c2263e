/**
 * The workspace tools at scale. A generated workspace of 50,000 files (500 folders × 100 files, ~1 KB of text
 * each, ~50 MB): search_workspace with ripgrep (what VS Code ships) and with the built-in scan, for a rare
 * literal, a common word (capped at 200 matches), a regular expression and a glob; list_files of everything.
 * Then read_file of a 5 MB file: whole (cut to the result cap) and its last lines by range (streamed).
 * Each figure is the median of 5 runs after one warm-up, printed next to its target.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolOutcome } from "../src/chat/tools";
import { NodeWorkspaceHost, ripgrepOnPath } from "../src/chat/tools/nodeHost";
import { createWorkspaceTools } from "../src/chat/tools/workspaceTools";
import type { ToolSettings } from "../src/chat/tools/types";

const FOLDERS = 500;
const FILES_PER_FOLDER = 100;
const RUNS = 5;

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const words = ["const", "value", "return", "function", "import", "export", "result", "index", "config", "item"];
function line(): string {
  let text = "  ";
  for (let i = 0; i < 8; i++) text += words[Math.floor(random() * words.length)] + " ";
  return text.trimEnd();
}

async function generate(root: string): Promise<void> {
  for (let d = 0; d < FOLDERS; d++) {
    const dir = join(root, "src", `module${d}`);
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let f = 0; f < FILES_PER_FOLDER; f++) {
      const lines = Array.from({ length: 18 }, line);
      // A rare identifier in 1 file of 1,000.
      if ((d * FILES_PER_FOLDER + f) % 1000 === 0) lines[9] = "  const rareNeedleIdentifier = 1;";
      writes.push(writeFile(join(dir, `file${f}.ts`), lines.join("\n") + "\n"));
    }
    await Promise.all(writes);
  }
}

async function median(task: () => Promise<unknown>, runs = RUNS): Promise<number> {
  if (runs > 1) await task();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function report(name: string, ms: number, targetMs: number, note = ""): void {
  const verdict = ms <= targetMs ? "ok" : "OVER";
  console.log(`${name.padEnd(58)} ${ms.toFixed(1).padStart(9)} ms   target ≤ ${targetMs} ms  ${verdict}${note}`);
}

async function toolRunner(host: NodeWorkspaceHost, settings: Partial<ToolSettings> = {}) {
  const tools = await createWorkspaceTools(host, { enabled: true, maxRounds: 25, ...settings });
  return async (name: string, args: Record<string, unknown>): Promise<string> => {
    const out = await tools.find((t) => t.definition.name === name)!.run(args, {});
    return out instanceof ToolOutcome ? out.content : String(out);
  };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "skein-tools-bench-"));
  try {
    let start = performance.now();
    await generate(root);
    console.log(
      `generated ${FOLDERS * FILES_PER_FOLDER} files in ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );

    const rg = ripgrepOnPath();
    const engines: Array<[string, string | null, number]> = [];
    if (rg) engines.push(["ripgrep", rg, 1000]);
    else console.log("(no rg on PATH: the ripgrep figures are skipped)");
    engines.push(["built-in scan", null, 8000]);
    for (const [engine, path, target] of engines) {
      const run = await toolRunner(new NodeWorkspaceHost({ folders: [root], ripgrep: path }));
      // The built-in scan is the fallback without ripgrep: one timed run each keeps the bench short.
      const runs = path ? RUNS : 1;
      const rare = await run("search_workspace", { query: "rareNeedleIdentifier" });
      const hits = rare.split("\n").length;
      report(
        `search_workspace rare literal (${engine}, ${hits} hits)`,
        await median(() => run("search_workspace", { query: "rareNeedleIdentifier" }), runs),
        target,
      );
      report(
        `search_workspace common word, capped at 200 (${engine})`,
        await median(() => run("search_workspace", { query: "function" }), runs),
        target,
      );
      report(
        `search_workspace regex (${engine})`,
        await median(() => run("search_workspace", { query: "rare\\w+ = \\d", is_regex: true }), runs),
        target,
      );
      report(
        `search_workspace with glob module1*/** (${engine})`,
        await median(() => run("search_workspace", { query: "rareNeedle", glob: "src/module1*/**" }), runs),
        target,
      );
      report(
        `list_files of 50,000 files, 1,000 shown (${engine})`,
        await median(() => run("list_files", {}), runs),
        target,
      );
    }

    // read_file of a 5 MB file.
    const big = join(root, "big.log");
    const lines = Array.from({ length: 80_000 }, (_, i) => `${String(i + 1).padStart(6, "0")} ${line()}`);
    await writeFile(big, lines.join("\n"));
    const bytes = Buffer.byteLength(lines.join("\n"));
    console.log(`big.log: ${(bytes / 1024 / 1024).toFixed(1)} MB, ${lines.length} lines`);
    const whole = await toolRunner(new NodeWorkspaceHost({ folders: [root] }), {
      limits: { maxFileBytes: 8 * 1024 * 1024 },
    });
    report(
      "read_file 5 MB whole (cut to the 100,000-char result cap)",
      await median(() => whole("read_file", { path: "big.log" })),
      100,
    );
    const ranged = await toolRunner(new NodeWorkspaceHost({ folders: [root] }));
    report(
      "read_file 5 MB, last 100 lines by range (streamed)",
      await median(() => ranged("read_file", { path: "big.log", start_line: 79_901, end_line: 80_000 })),
      150,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
