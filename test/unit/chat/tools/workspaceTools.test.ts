/**
 * The workspace tools on a real folder: path confinement (`..`, absolute paths, symbolic links out), reading,
 * listing and searching with ripgrep and with the built-in scan, diagnostics, edits and commands, and which
 * tools an untrusted workspace offers.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolOutcome, type ChatTool } from "../../../../src/chat/tools";
import { NodeWorkspaceHost, ripgrepOnPath } from "../../../../src/chat/tools/nodeHost";
import { createWorkspaceTools } from "../../../../src/chat/tools/workspaceTools";
import { CHANGING_TOOLS, READ_ONLY_TOOLS, type ToolSettings } from "../../../../src/chat/tools/types";

let root: string;
let ws: string;
let outside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "skein-wt-"));
  ws = join(root, "project");
  outside = join(root, "secret");
  mkdirSync(join(ws, "src", "deep"), { recursive: true });
  mkdirSync(join(ws, "node_modules", "pkg"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, "key.txt"), "TOP SECRET\n");
  writeFileSync(join(ws, "src", "main.ts"), "export const answer = 42;\nconsole.log(answer);\n");
  writeFileSync(join(ws, "src", "deep", "util.ts"), "export function helper() {\n  return 'Needle';\n}\n");
  writeFileSync(join(ws, "README.md"), "# Project\nfind the needle here\n");
  writeFileSync(join(ws, "node_modules", "pkg", "index.js"), "needle in a dependency\n");
  symlinkSync(outside, join(ws, "link-out"));
  symlinkSync(join(outside, "key.txt"), join(ws, "key-link.txt"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const settings: ToolSettings = { enabled: true, maxRounds: 25 };

async function toolsOf(host: NodeWorkspaceHost, extra: Partial<ToolSettings> = {}) {
  const tools = await createWorkspaceTools(host, { ...settings, ...extra });
  return new Map<string, ChatTool>(tools.map((t) => [t.definition.name, t]));
}

async function run(host: NodeWorkspaceHost, name: string, args: Record<string, unknown>): Promise<string> {
  const tool = (await toolsOf(host)).get(name)!;
  const out = await tool.run(args, {});
  return out instanceof ToolOutcome ? out.content : String(out);
}

const engines = [
  ["ripgrep", () => ripgrepOnPath() ?? null],
  ["built-in scan", () => null],
] as const;

describe("path confinement", () => {
  const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
    ["read_file", { path: "../secret/key.txt" }, /outside the workspace/],
    ["read_file", { path: "src/../../secret/key.txt" }, /outside the workspace/],
    ["read_file", { path: "/etc/passwd" }, /outside the workspace/],
    ["read_file", { path: "link-out/key.txt" }, /symbolic link/],
    ["read_file", { path: "key-link.txt" }, /symbolic link/],
    ["list_files", { path: "link-out" }, /symbolic link/],
    ["list_files", { path: ".." }, /outside the workspace/],
    ["get_diagnostics", { path: "../secret/key.txt" }, /outside the workspace/],
  ];
  for (const [name, args, pattern] of refusals) {
    it(`${name} ${JSON.stringify(args)} is refused`, async () => {
      const host = new NodeWorkspaceHost({ folders: [ws] });
      await expect(run(host, name, args)).rejects.toThrow(pattern);
    });
  }

  it("edit_file and run_command refuse paths and cwds outside, before anything is asked or changed", async () => {
    const tools = await toolsOf(new NodeWorkspaceHost({ folders: [ws] }));
    await expect(
      tools.get("edit_file")!.approval!({ path: "link-out/key.txt", old_text: "TOP", new_text: "x" }, {}),
    ).rejects.toThrow(/symbolic link/);
    await expect(
      tools.get("edit_file")!.approval!({ path: "../secret/new.txt", old_text: "", new_text: "x" }, {}),
    ).rejects.toThrow(/outside the workspace/);
    await expect(tools.get("run_command")!.approval!({ command: "ls", cwd: "../secret" }, {})).rejects.toThrow(
      /outside the workspace/,
    );
    expect(readFileSync(join(outside, "key.txt"), "utf8")).toBe("TOP SECRET\n");
  });

  it("an absolute path inside the workspace is accepted; multi-root paths start with a folder's name", async () => {
    const other = join(root, "other");
    mkdirSync(other);
    writeFileSync(join(other, "notes.txt"), "second root\n");
    const host = new NodeWorkspaceHost({ folders: [ws, other] });
    expect(await run(host, "read_file", { path: join(ws, "src", "main.ts") })).toContain("1\texport const answer");
    expect(await run(host, "read_file", { path: "other/notes.txt" })).toMatch(/^other\/notes.txt — lines 1–2 of 2/);
  });
});

describe("read-only tools", () => {
  it("read_file numbers lines, honours a range, prefers the open editor's text, refuses folders and binaries", async () => {
    const host = new NodeWorkspaceHost({ folders: [ws] });
    expect(await run(host, "read_file", { path: "src/main.ts" })).toBe(
      "src/main.ts — lines 1–3 of 3\n1\texport const answer = 42;\n2\tconsole.log(answer);\n3\t",
    );
    expect(await run(host, "read_file", { path: "src/main.ts", start_line: 2, end_line: 2 })).toBe(
      "src/main.ts — lines 2–2 of 3\n2\tconsole.log(answer);",
    );
    await expect(run(host, "read_file", { path: "src" })).rejects.toThrow(/is a folder; use list_files/);
    await expect(run(host, "read_file", { path: "nope.ts" })).rejects.toThrow(/does not exist/);
    writeFileSync(join(ws, "blob.bin"), Buffer.from([1, 0, 2, 3]));
    await expect(run(host, "read_file", { path: "blob.bin" })).rejects.toThrow(/binary file/);
    const dirty = Object.assign(host, {
      readText: (abs: string) => (abs.endsWith("main.ts") ? "unsaved\n" : undefined),
    });
    expect(await run(dirty, "read_file", { path: "src/main.ts" })).toContain("1\tunsaved");
  });

  it("read_file of a file over the size cap asks for a range, and reads a range of it", async () => {
    const host = new NodeWorkspaceHost({ folders: [ws] });
    writeFileSync(join(ws, "big.txt"), Array.from({ length: 5000 }, (_, i) => `line ${i + 1}`).join("\n"));
    const tools = await createWorkspaceTools(host, { ...settings, limits: { maxFileBytes: 1000 } });
    const read = tools.find((t) => t.definition.name === "read_file")!;
    await expect(Promise.resolve(read.run({ path: "big.txt" }, {}))).rejects.toThrow(
      /over the 0.0 MB limit|start_line/,
    );
    expect(await read.run({ path: "big.txt", start_line: 4999, end_line: 5000 }, {})).toBe(
      "big.txt — lines 4999–5000 of 5000\n4999\tline 4999\n5000\tline 5000",
    );
  });

  for (const [engine, rg] of engines) {
    it(`list_files and search_workspace (${engine}) skip node_modules and follow no links out`, async () => {
      const host = new NodeWorkspaceHost({ folders: [ws], ripgrep: rg() });
      expect((await run(host, "list_files", {})).split("\n")).toEqual(["README.md", "src/deep/util.ts", "src/main.ts"]);
      expect(await run(host, "list_files", { path: "src", glob: "**/util.*" })).toBe("src/deep/util.ts");
      expect(await run(host, "list_files", { glob: "*.md" })).toBe("README.md");
      // Smart case: lower-case finds both; an upper-case letter makes it exact.
      expect((await run(host, "search_workspace", { query: "needle" })).split("\n")).toEqual([
        "README.md:2: find the needle here",
        "src/deep/util.ts:2:   return 'Needle';",
      ]);
      expect(await run(host, "search_workspace", { query: "Needle" })).toBe("src/deep/util.ts:2:   return 'Needle';");
      expect(await run(host, "search_workspace", { query: "answer", glob: "*.md" })).toMatch(/^No matches/);
      expect(await run(host, "search_workspace", { query: "ans.er = \\d+", is_regex: true })).toBe(
        "src/main.ts:1: export const answer = 42;",
      );
      expect(await run(host, "search_workspace", { query: "TOP SECRET" })).toMatch(/^No matches/);
      await expect(run(host, "search_workspace", { query: "(unclosed", is_regex: true })).rejects.toThrow(
        /Invalid regular expression/,
      );
    });
  }

  it("search_workspace caps its matches and says so", async () => {
    for (let i = 0; i < 30; i++) writeFileSync(join(ws, `f${i}.txt`), "hit\nhit\n");
    const host = new NodeWorkspaceHost({ folders: [ws] });
    const tools = await createWorkspaceTools(host, { ...settings, limits: { maxSearchResults: 10 } });
    const out = String(await tools.find((t) => t.definition.name === "search_workspace")!.run({ query: "hit" }, {}));
    expect(out.split("\n").filter((l) => l.includes(": hit"))).toHaveLength(10);
    expect(out).toMatch(/more matches exist; the first 10 are shown/);
  });

  it("get_diagnostics shows the editor's problems relative to the workspace, for one file or all", async () => {
    const host = new NodeWorkspaceHost({
      folders: [ws],
      diagnostics: [
        {
          path: join(ws, "src", "main.ts"),
          line: 2,
          column: 1,
          severity: "error",
          message: "Cannot find name",
          source: "ts",
        },
        { path: join(ws, "README.md"), line: 1, column: 3, severity: "warning", message: "Heading style" },
        { path: join(outside, "key.txt"), line: 1, column: 1, severity: "error", message: "outside" },
      ],
    });
    expect(await run(host, "get_diagnostics", {})).toBe(
      "src/main.ts:2:1 error: Cannot find name (ts)\nREADME.md:1:3 warning: Heading style",
    );
    expect(await run(host, "get_diagnostics", { path: "README.md" })).toBe("README.md:1:3 warning: Heading style");
    expect(await run(host, "get_diagnostics", { path: "src/deep/util.ts" })).toBe("No problems in src/deep/util.ts.");
  });
});

describe("changing tools", () => {
  it("edit_file asks with a unified diff, refuses ambiguous or missing text, creates new files", async () => {
    const host = new NodeWorkspaceHost({ folders: [ws] });
    const edit = (await toolsOf(host)).get("edit_file")!;
    const asked = await edit.approval!({ path: "src/main.ts", old_text: "= 42", new_text: "= 43" }, {});
    expect(asked?.diff).toContain("--- a/src/main.ts\n+++ b/src/main.ts");
    expect(asked?.diff).toContain("-export const answer = 42;\n+export const answer = 43;");
    await expect(edit.approval!({ path: "src/main.ts", old_text: "answer", new_text: "x" }, {})).rejects.toThrow(
      /occurs 2 times/,
    );
    await expect(edit.approval!({ path: "src/main.ts", old_text: "absent", new_text: "x" }, {})).rejects.toThrow(
      /not found/,
    );
    await expect(edit.approval!({ path: "src/main.ts", old_text: "", new_text: "x" }, {})).rejects.toThrow(
      /already exists/,
    );
    const out = (await edit.run({ path: "src/main.ts", old_text: "= 42", new_text: "= 43" }, {})) as ToolOutcome;
    expect(out.content).toBe("Edited src/main.ts: replaced 1 line(s) with 1.");
    expect(readFileSync(join(ws, "src", "main.ts"), "utf8")).toBe("export const answer = 43;\nconsole.log(answer);\n");
    const created = (await edit.run({ path: "src/new/file.ts", old_text: "", new_text: "a\nb\n" }, {})) as ToolOutcome;
    expect(created.content).toBe("Created src/new/file.ts (3 lines).");
    expect(readFileSync(join(ws, "src", "new", "file.ts"), "utf8")).toBe("a\nb\n");
  });

  it("run_command returns exit code and output, caps the output, times out, streams chunks", async () => {
    const host = new NodeWorkspaceHost({ folders: [ws] });
    const tools = await createWorkspaceTools(host, {
      ...settings,
      limits: { maxOutputBytes: 100, commandTimeoutMs: 1500 },
    });
    const cmd = tools.find((t) => t.definition.name === "run_command")!;
    const chunks: string[] = [];
    const ok = (await cmd.run(
      { command: "echo hello; echo oops >&2", cwd: "src" },
      { onOutput: (c) => chunks.push(c) },
    )) as ToolOutcome;
    expect(ok.status).toBe("ok");
    expect(ok.content).toMatch(/^Exit code: 0\nhello\noops/);
    expect(chunks.join("")).toContain("hello");
    const pwd = (await cmd.run({ command: "pwd", cwd: "src" }, {})) as ToolOutcome;
    expect(pwd.content).toContain(join(ws, "src"));
    const failed = (await cmd.run({ command: "exit 3" }, {})) as ToolOutcome;
    expect([failed.status, failed.metadata.exitCode]).toEqual(["error", 3]);
    const long = (await cmd.run({ command: "for i in $(seq 1 200); do echo line$i; done" }, {})) as ToolOutcome;
    expect(long.metadata.truncated).toBe(true);
    expect(long.content).toMatch(/output cut at 100 bytes/);
    const slow = (await cmd.run({ command: "sleep 30" }, {})) as ToolOutcome;
    expect(slow.status).toBe("timed_out");
    expect(slow.content).toMatch(/ran longer than 1.5 s/);
  });

  it("run_command does not hand the model key to the command", async () => {
    process.env.ANTHROPIC_API_KEY = "sk-should-not-leak";
    try {
      const out = await run(new NodeWorkspaceHost({ folders: [ws] }), "run_command", { command: "env" });
      expect(out).not.toContain("sk-should-not-leak");
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });
});

describe("the tool set", () => {
  it("trusted: all six, with the exact names; untrusted: only the read-only ones; disabled or no folder: none", async () => {
    const trusted = await createWorkspaceTools(new NodeWorkspaceHost({ folders: [ws] }), settings);
    expect(trusted.map((t) => t.definition.name)).toEqual([...READ_ONLY_TOOLS, ...CHANGING_TOOLS]);
    expect(trusted.map((t) => Object.keys(t.definition.input_schema.properties ?? {}))).toEqual([
      ["path", "start_line", "end_line"],
      ["path", "glob"],
      ["query", "glob", "is_regex"],
      ["path"],
      ["path", "old_text", "new_text"],
      ["command", "cwd"],
    ]);
    const untrusted = await createWorkspaceTools(new NodeWorkspaceHost({ folders: [ws], trusted: false }), settings);
    expect(untrusted.map((t) => t.definition.name)).toEqual([...READ_ONLY_TOOLS]);
    expect(
      await createWorkspaceTools(new NodeWorkspaceHost({ folders: [ws] }), { ...settings, enabled: false }),
    ).toEqual([]);
    expect(await createWorkspaceTools(new NodeWorkspaceHost({ folders: [] }), settings)).toEqual([]);
  });

  it("external tools only when opted in and trusted; they always ask; a clashing name is skipped", async () => {
    const external = [
      {
        definition: { name: "mcp_lookup", input_schema: { type: "object" as const } },
        invoke: async () => "looked up",
      },
      { definition: { name: "read_file", input_schema: { type: "object" as const } }, invoke: async () => "shadow" },
    ];
    const host = new NodeWorkspaceHost({ folders: [ws], externalTools: external });
    expect((await createWorkspaceTools(host, settings)).map((t) => t.definition.name)).not.toContain("mcp_lookup");
    const opted = await createWorkspaceTools(host, { ...settings, external: true });
    const lookup = opted.find((t) => t.definition.name === "mcp_lookup")!;
    expect(opted.filter((t) => t.definition.name === "read_file")).toHaveLength(1);
    host.rememberAlwaysAllow("mcp_lookup", {});
    expect(await lookup.approval!({}, {})).toEqual({});
    expect(await lookup.run({}, {})).toBe("looked up");
    host.trusted = false;
    expect((await createWorkspaceTools(host, { ...settings, external: true })).map((t) => t.definition.name)).toEqual([
      ...READ_ONLY_TOOLS,
    ]);
  });
});
