/** The read-only tools: read_file, list_files, search_workspace, get_diagnostics. They run without asking. */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import { createInterface } from "node:readline";
import type { ChatTool } from "../tools";
import { TOOL_DEFINITIONS } from "./definitions";
import { displayPath, locate, resolveWorkspacePath, type WorkspacePath } from "./paths";
import { globMatcher, searchWorkspace } from "./search";
import { walkFiles } from "./walk";
import type { ToolLimits, WorkspaceFolder, WorkspaceHost } from "./types";

export class ToolInputError extends Error {
  override readonly name = "ToolInputError";
  readonly code = "TOOL_INPUT_INVALID";
}

export function requireString(value: unknown, name: string, { allowEmpty = false } = {}): string {
  if (typeof value !== "string") throw new ToolInputError(`"${name}" must be a string.`);
  if (!allowEmpty && value.trim() === "") throw new ToolInputError(`"${name}" must not be empty.`);
  return value;
}

export function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return requireString(value, name);
}

function optionalLine(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw new ToolInputError(`"${name}" must be a whole number ≥ 1.`);
  return value;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

async function statOf(target: WorkspacePath) {
  try {
    return await stat(target.abs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new ToolInputError(`"${target.display}" does not exist. Use list_files or search_workspace to find it.`);
    throw error;
  }
}

/** Lines `from`…`to` (1-based, inclusive) of a big file, read as a stream; also counts all lines. */
async function streamLines(abs: string, from: number, to: number): Promise<{ lines: string[]; total: number }> {
  const lines: string[] = [];
  let total = 0;
  const reader = createInterface({ input: createReadStream(abs, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of reader) {
    total++;
    if (total >= from && total <= to) lines.push(line);
  }
  return { lines, total };
}

export async function readFileText(host: WorkspaceHost, limits: ToolLimits, args: Record<string, unknown>) {
  const path = requireString(args.path, "path");
  const start = optionalLine(args.start_line, "start_line");
  const end = optionalLine(args.end_line, "end_line");
  if (start !== undefined && end !== undefined && end < start)
    throw new ToolInputError(`"end_line" (${end}) is before "start_line" (${start}).`);
  const target = await resolveWorkspacePath(host.folders(), path);
  const info = await statOf(target);
  if (info.isDirectory()) throw new ToolInputError(`"${target.display}" is a folder; use list_files to see its files.`);
  const from = start ?? 1;
  let selected: string[];
  let total: number;
  const open = await host.readText?.(target.abs);
  if (open !== undefined) {
    const all = open.split(/\r?\n/);
    total = all.length;
    selected = all.slice(from - 1, end ?? total);
  } else if (info.size <= limits.maxFileBytes) {
    const data = await readFile(target.abs);
    if (data.subarray(0, 8192).includes(0))
      throw new ToolInputError(`"${target.display}" is a binary file (${info.size} bytes); it cannot be read as text.`);
    const all = data.toString("utf8").split(/\r?\n/);
    total = all.length;
    selected = all.slice(from - 1, end ?? total);
  } else {
    if (start === undefined)
      throw new ToolInputError(
        `"${target.display}" is ${megabytes(info.size)}, over the ${megabytes(limits.maxFileBytes)} limit for reading a whole file. Read part of it with start_line and end_line.`,
      );
    ({ lines: selected, total } = await streamLines(target.abs, from, end ?? from + 1999));
  }
  if (from > total && total > 0) throw new ToolInputError(`"${target.display}" has only ${total} lines.`);
  // Keep within the result cap, cutting at a line so the model can continue with start_line.
  const budget = limits.maxResultChars - 200;
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < selected.length; i++) {
    const row = `${from + i}\t${selected[i]}`;
    if (used + row.length + 1 > budget && out.length > 0) break;
    out.push(row);
    used += row.length + 1;
  }
  const last = from + out.length - 1;
  const header = `${target.display} — lines ${from}–${last} of ${total}`;
  const more = last < (end ?? total) ? `\n… (cut to fit; continue with start_line=${last + 1})` : "";
  return `${header}\n${out.join("\n")}${more}`;
}

async function listWithRipgrep(rg: string, dir: string, glob: string | undefined): Promise<string[]> {
  const args = ["--no-config", "--files", "--null", "--glob", "!node_modules", ...(glob ? ["--glob", glob] : []), "."];
  return new Promise((resolve, reject) => {
    const child = spawn(rg, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0 && code !== 1) return reject(new Error(`ripgrep failed (exit ${code}): ${stderr.trim()}`));
      const files = Buffer.concat(chunks)
        .toString("utf8")
        .split("\0")
        .filter(Boolean)
        .map((f) => f.replace(/^\.\//, ""));
      resolve(files);
    });
  });
}

export async function listFiles(host: WorkspaceHost, limits: ToolLimits, args: Record<string, unknown>) {
  const path = optionalString(args.path, "path");
  const glob = optionalString(args.glob, "glob");
  const folders = host.folders();
  const targets: WorkspacePath[] =
    path === undefined && folders.length > 1
      ? folders.map((f) => locate([f], ""))
      : [await resolveWorkspacePath(folders, path)];
  const shown: string[] = [];
  let total = 0;
  const rg = host.ripgrepPath?.();
  for (const target of targets) {
    const info = await statOf(target);
    if (!info.isDirectory())
      throw new ToolInputError(`"${target.display}" is a file, not a folder; use read_file to read it.`);
    const prefix = (rel: string) => displayPath(folders, target.folder, target.rel ? `${target.rel}/${rel}` : rel);
    let files: string[];
    if (rg) files = (await listWithRipgrep(rg, target.abs, glob)).sort();
    else {
      files = [];
      const matches = globMatcher(glob);
      for await (const rel of walkFiles(target.abs)) if (matches(rel)) files.push(rel);
      files.sort();
    }
    total += files.length;
    for (const rel of files) if (shown.length < limits.maxListEntries) shown.push(prefix(rel));
  }
  if (total === 0) return glob ? `No files match "${glob}".` : "No files.";
  const more =
    total > shown.length ? `\n… and ${total - shown.length} more (${total} files); narrow with path or glob.` : "";
  return `${shown.join("\n")}${more}`;
}

export async function searchText(host: WorkspaceHost, limits: ToolLimits, args: Record<string, unknown>) {
  const query = requireString(args.query, "query");
  const glob = optionalString(args.glob, "glob");
  if (args.is_regex !== undefined && typeof args.is_regex !== "boolean")
    throw new ToolInputError('"is_regex" must be true or false.');
  const folders = host.folders();
  if (folders.length === 0) throw new ToolInputError("No workspace folder is open, so there is nothing to search.");
  const outcome = await searchWorkspace(
    folders,
    { query, isRegex: args.is_regex === true, glob, maxResults: limits.maxSearchResults },
    host.ripgrepPath?.(),
  );
  if (outcome.hits.length === 0) return `No matches for ${JSON.stringify(query)}${glob ? ` in ${glob}` : ""}.`;
  const rows = outcome.hits.map((h) => `${displayPath(folders, h.folder, h.rel)}:${h.line}: ${h.text}`);
  const more = outcome.limited
    ? `\n… more matches exist; the first ${outcome.hits.length} are shown. Narrow the query or the glob.`
    : "";
  return `${rows.join("\n")}${more}`;
}

function folderOf(folders: readonly WorkspaceFolder[], abs: string): WorkspaceFolder | undefined {
  return folders.find((f) => {
    const rel = relative(f.path, abs);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  });
}

export async function diagnosticsText(host: WorkspaceHost, limits: ToolLimits, args: Record<string, unknown>) {
  const path = optionalString(args.path, "path");
  const folders = host.folders();
  const target = path === undefined ? undefined : await resolveWorkspacePath(folders, path);
  const found = await host.diagnostics(target?.abs);
  const rows: string[] = [];
  for (const d of found) {
    const folder = folderOf(folders, d.path);
    if (!folder) continue; // problems of files outside the workspace are not the model's business
    const where = displayPath(folders, folder, relative(folder.path, d.path).split("\\").join("/"));
    rows.push(`${where}:${d.line}:${d.column} ${d.severity}: ${d.message}${d.source ? ` (${d.source})` : ""}`);
  }
  if (rows.length === 0) return `No problems${target ? ` in ${target.display}` : " in the workspace"}.`;
  const shown = rows.slice(0, limits.maxSearchResults);
  const more = rows.length > shown.length ? `\n… and ${rows.length - shown.length} more.` : "";
  return `${shown.join("\n")}${more}`;
}

export function readOnlyTools(host: WorkspaceHost, limits: ToolLimits): ChatTool[] {
  return [
    { definition: TOOL_DEFINITIONS.read_file, run: (args) => readFileText(host, limits, args) },
    { definition: TOOL_DEFINITIONS.list_files, run: (args) => listFiles(host, limits, args) },
    { definition: TOOL_DEFINITIONS.search_workspace, run: (args) => searchText(host, limits, args) },
    { definition: TOOL_DEFINITIONS.get_diagnostics, run: (args) => diagnosticsText(host, limits, args) },
  ];
}
