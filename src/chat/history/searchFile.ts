/**
 * The search index on disk: one append-only JSON-lines file per store. It is a cache of the store's
 * message text — losing or corrupting it costs a rebuild, never data — so it is appended without fsync.
 *
 * Lines:
 *   {"v":1}                                             header (first line)
 *   {"t":threadId,"u":updatedAt,"m":[[id,role,text]…]}  messages seen in the thread (new or changed) and
 *                                                       the catalog `updatedAt` they were read at
 *   {"t":threadId,"d":1}                                the thread was deleted (read for robustness; a deletion
 *                                                       now rewrites the file so no deleted text stays on disk)
 * A torn last line (crash mid-append) is ignored; it carried its own `u`, so that thread is simply re-read.
 */
import { promises as fs } from "node:fs";
import { dirname } from "node:path";

export const SEARCH_FILE_VERSION = 1;

export type IndexedMessageRecord = [id: string, role: string, text: string];

export interface ThreadRecord {
  t: string;
  u?: string;
  m?: IndexedMessageRecord[];
  d?: 1;
}

export interface LoadedSearchFile {
  records: ThreadRecord[];
  /** Bytes read; the index compacts when most of them are dead. */
  bytes: number;
}

/** Reads the file; undefined when it is missing, of another version, or damaged beyond a torn tail. */
export async function readSearchFile(path: string): Promise<LoadedSearchFile | undefined> {
  let content: string;
  try {
    content = await fs.readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const lines = content.split("\n");
  // The last element is "" after a complete final line, or a torn line after a crash.
  lines.pop();
  const header = parseLine(lines[0]);
  if (!header || header.v !== SEARCH_FILE_VERSION) return undefined;
  const records: ThreadRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const record = toRecord(parseLine(lines[i]));
    // A damaged line in the middle may have hidden messages behind a later `u`: rebuild instead of guessing.
    if (!record) return undefined;
    records.push(record);
  }
  return { records, bytes: content.length };
}

export async function appendSearchRecords(path: string, records: ThreadRecord[], create: boolean): Promise<void> {
  if (records.length === 0 && !create) return;
  const body = records.map((record) => JSON.stringify(record) + "\n").join("");
  if (create) {
    await writeSearchFile(path, records);
    return;
  }
  await fs.appendFile(path, body, "utf8");
}

/** Rewrites the whole file (first write, compaction) by rename-into-place so readers never see half of it. */
export async function writeSearchFile(path: string, records: ThreadRecord[]): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const body =
    JSON.stringify({ v: SEARCH_FILE_VERSION }) + "\n" + records.map((record) => JSON.stringify(record) + "\n").join("");
  await fs.writeFile(temp, body, "utf8");
  await fs.rename(temp, path);
}

function parseLine(line: string | undefined): Record<string, unknown> | undefined {
  if (!line) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toRecord(value: Record<string, unknown> | undefined): ThreadRecord | undefined {
  if (!value || typeof value.t !== "string") return undefined;
  if (value.d === 1) return { t: value.t, d: 1 };
  if (value.u !== undefined && typeof value.u !== "string") return undefined;
  if (value.m !== undefined) {
    if (!Array.isArray(value.m)) return undefined;
    for (const entry of value.m) {
      if (!Array.isArray(entry) || entry.length !== 3 || !entry.every((part) => typeof part === "string"))
        return undefined;
    }
  }
  return { t: value.t, u: value.u as string | undefined, m: value.m as IndexedMessageRecord[] | undefined };
}
