/**
 * Text search over the workspace folders: ripgrep when the host has one (VS Code ships it; fast on 50,000
 * files, respects .gitignore), else a built-in scan with the same rules as far as they matter (literal or
 * regular expression, smart case, a glob on the relative path, big and binary files skipped).
 */
import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";
import { walkFiles } from "./walk";
import type { WorkspaceFolder } from "./types";

export interface SearchHit {
  folder: WorkspaceFolder;
  /** Relative to the folder, "/" separators. */
  rel: string;
  line: number;
  text: string;
}

export interface SearchRequest {
  query: string;
  isRegex: boolean;
  glob?: string;
  maxResults: number;
  signal?: AbortSignal;
}

export interface SearchOutcome {
  hits: SearchHit[];
  /** More matches exist than were returned. */
  limited: boolean;
  engine: "ripgrep" | "built-in";
}

/** Files bigger than this are not searched (generated bundles, data). */
export const MAX_SEARCHED_FILE_BYTES = 1024 * 1024;
const MAX_LINE_CHARS = 300;
const SCAN_BATCH = 64;

export class SearchQueryError extends Error {
  override readonly name = "SearchQueryError";
  readonly code = "SEARCH_QUERY_INVALID";
}

/** Matches a glob the way ripgrep's --glob does: a pattern without "/" matches the file name at any depth. */
export function globMatcher(glob: string | undefined): (rel: string) => boolean {
  if (!glob) return () => true;
  const matchBase = !glob.includes("/");
  const isMatch = picomatch(glob, { dot: true, basename: matchBase });
  return (rel) => isMatch(rel);
}

function clip(text: string): string {
  const trimmed = text.replace(/\r$/, "");
  return trimmed.length > MAX_LINE_CHARS ? `${trimmed.slice(0, MAX_LINE_CHARS)}…` : trimmed;
}

export async function searchWorkspace(
  folders: readonly WorkspaceFolder[],
  request: SearchRequest,
  ripgrep?: string,
): Promise<SearchOutcome> {
  const hits: SearchHit[] = [];
  let limited = false;
  for (const folder of folders) {
    const budget = request.maxResults - hits.length;
    if (budget <= 0) {
      limited = true;
      break;
    }
    const found = ripgrep
      ? await ripgrepFolder(ripgrep, folder, request, budget)
      : await scanFolder(folder, request, budget);
    hits.push(...found.hits);
    limited ||= found.limited;
  }
  hits.sort((a, b) => (a.folder === b.folder ? (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : a.line - b.line) : 0));
  return { hits, limited, engine: ripgrep ? "ripgrep" : "built-in" };
}

function compile(request: SearchRequest): RegExp {
  const source = request.isRegex ? request.query : request.query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const flags = /[A-Z]/.test(request.query) ? "" : "i";
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new SearchQueryError(`Invalid regular expression: ${(error as Error).message}`);
  }
}

async function scanFolder(
  folder: WorkspaceFolder,
  request: SearchRequest,
  budget: number,
): Promise<{ hits: SearchHit[]; limited: boolean }> {
  const pattern = compile(request);
  const matches = globMatcher(request.glob);
  const found = new Map<string, SearchHit[]>();
  const order: string[] = [];
  let count = 0;
  // Files are read a batch at a time (the disk and the event loop work in parallel); hits keep walk order.
  const scanOne = async (rel: string): Promise<void> => {
    const abs = join(folder.path, rel);
    let data: Buffer;
    try {
      if ((await stat(abs)).size > MAX_SEARCHED_FILE_BYTES) return;
      data = await readFile(abs);
    } catch {
      return;
    }
    if (data.subarray(0, 8192).includes(0)) return; // binary
    const text = data.toString("utf8");
    if (!pattern.test(text)) return;
    const lines = text.split("\n");
    const own: SearchHit[] = [];
    for (let i = 0; i < lines.length; i++)
      if (pattern.test(lines[i])) own.push({ folder, rel, line: i + 1, text: clip(lines[i]) });
    found.set(rel, own);
    count += own.length;
  };
  let batch: Promise<void>[] = [];
  for await (const rel of walkFiles(folder.path, "", request.signal)) {
    if (!matches(rel)) continue;
    order.push(rel);
    batch.push(scanOne(rel));
    if (batch.length >= SCAN_BATCH) {
      await Promise.all(batch);
      batch = [];
      if (count > budget) break;
    }
  }
  await Promise.all(batch);
  const hits = order.flatMap((rel) => found.get(rel) ?? []);
  return { hits: hits.slice(0, budget), limited: hits.length > budget };
}

function ripgrepFolder(
  rg: string,
  folder: WorkspaceFolder,
  request: SearchRequest,
  budget: number,
): Promise<{ hits: SearchHit[]; limited: boolean }> {
  const args = [
    "--no-config",
    "--line-number",
    "--with-filename",
    "--null",
    "--no-heading",
    "--color",
    "never",
    "--smart-case",
    "--max-filesize",
    "1M",
    "--max-columns",
    String(MAX_LINE_CHARS),
    "--max-columns-preview",
    request.isRegex ? "--regexp" : "--fixed-strings",
    ...(request.isRegex ? [] : ["--regexp"]),
    request.query,
    ...(request.glob ? ["--glob", request.glob] : []),
    "--glob",
    "!node_modules",
    "--",
    ".",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(rg, args, { cwd: folder.path, stdio: ["ignore", "pipe", "pipe"], signal: request.signal });
    const hits: SearchHit[] = [];
    let limited = false;
    let rest = "";
    let stderr = "";
    const take = (line: string) => {
      const nul = line.indexOf("\0");
      if (nul < 0) return;
      const colon = line.indexOf(":", nul);
      const rel = line.slice(0, nul).replace(/^\.\//, "");
      hits.push({ folder, rel, line: Number(line.slice(nul + 1, colon)), text: clip(line.slice(colon + 1)) });
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (limited) return;
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        if (hits.length >= budget) {
          limited = true;
          child.kill();
          return;
        }
        take(line);
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => reject(error));
    child.on("close", (code) => {
      if (!limited && rest) {
        if (hits.length >= budget) limited = true;
        else take(rest);
      }
      if (limited || code === 0 || code === 1) return resolve({ hits, limited });
      const message = stderr.trim().split("\n").slice(-3).join(" ");
      if (request.isRegex && /regex/i.test(stderr))
        return reject(new SearchQueryError(`Invalid regular expression: ${message}`));
      // Exit 2 also reports unreadable files next to real matches: keep what was found.
      if (code === 2 && hits.length) return resolve({ hits, limited });
      reject(new Error(`ripgrep failed (exit ${code}): ${message || "no message"}`));
    });
  });
}
