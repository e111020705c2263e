import { readdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { ThreadInfo } from "../types";
import { CheckpointError } from "../errors";
import { Catalog } from "./catalog";
import { fsyncDir } from "./io/fsutil";
import { release, sweepOwnerFiles, tryAcquire } from "./locks/lock";
import { ThreadFiles } from "./threadFiles";
import type { StoreWarning } from "./warnings";

/** A "new" catalog entry younger than this may be a creation in progress in another window. */
const CREATION_GRACE_MS = 10_000;

/**
 * Opens the catalog and makes it agree with the thread files: finishes deletions and creations a crash
 * interrupted, and rebuilds the whole catalog from the thread files when it is missing or corrupt.
 */
export function openStore(
  directory: string,
  warn: (warning: StoreWarning) => void,
  fsync: boolean,
  filesOf: (threadId: string) => ThreadFiles,
): Catalog {
  const catalog = new Catalog(join(directory, "catalog.log"), join(directory, "locks", "catalog.lock"), warn);
  const threadsDir = join(directory, "threads");
  sweepOwnerFiles(join(directory, "locks"));
  // The usual case needs no lock: a healthy catalog with nothing left half-done is just read.
  const kind = fileKind(catalog.path);
  if (kind === "file") {
    catalog.refresh(false);
    const pending = [...catalog.entries.values()].some((entry) => entry.state !== "ok");
    if (!catalog.corrupt && !catalog.tornTail && !pending && catalog.entries.size > 0) return catalog;
  }
  const lock = tryAcquire(join(directory, "locks", "catalog.lock"), "write");
  try {
    if (kind === "other") {
      if (!lock.ok) {
        throw new CheckpointError(
          `${catalog.path} is not a file (a directory?). Move it out of the store; Skein then rebuilds the thread list.`,
          "CATALOG_UNUSABLE",
        );
      }
      // Not a file (a directory, a device…): keep it for inspection under another name and rebuild.
      const aside = `${catalog.path}.unusable-${Date.now()}`;
      renameSync(catalog.path, aside);
      warn({
        code: "CATALOG_UNUSABLE",
        file: catalog.path,
        message: `${catalog.path} was not a file, so it was moved to ${aside} and the thread list rebuilt from the thread files.`,
      });
    }
    if (!catalog.exists()) {
      // Only here is the directory listed: with 10,000 threads that alone costs more than reading the catalog.
      if (hasThreadFiles(threadsDir) && lock.ok) rebuild(catalog, threadsDir, warn, fsync, filesOf, "missing");
      else if (lock.ok) catalog.writeAll([], fsync);
      return catalog;
    }
    catalog.refresh(lock.ok);
    if (catalog.corrupt && lock.ok) {
      rebuild(catalog, threadsDir, warn, fsync, filesOf, "corrupt");
      return catalog;
    }
    // An empty or header-only catalog beside thread files lost its entries (truncated, or replaced): rebuild.
    if (catalog.entries.size === 0 && lock.ok && hasThreadFiles(threadsDir)) {
      rebuild(catalog, threadsDir, warn, fsync, filesOf, "empty");
      return catalog;
    }
    if (!lock.ok) return catalog; // another window is opening or compacting: it will settle pending entries
    for (const [threadId, entry] of [...catalog.entries]) {
      if (entry.state === "del") {
        const files = filesOf(threadId);
        removeThreadFiles(files, fsync);
        catalog.append([{ op: "gone", id: threadId }], fsync);
      } else if (entry.state === "new") {
        const { exists } = filesOf(threadId).refresh(false);
        if (exists)
          catalog.append([{ op: "up", id: threadId, at: entry.info.updatedAt, created: entry.info.createdAt }], false);
        else if (Date.now() - Date.parse(entry.info.createdAt) > CREATION_GRACE_MS)
          catalog.append([{ op: "gone", id: threadId }], false);
      }
    }
    return catalog;
  } finally {
    if (lock.ok) release(join(directory, "locks", "catalog.lock"), lock.token);
  }
}

function fileKind(path: string): "file" | "other" | "none" {
  const st = statSync(path, { throwIfNoEntry: false });
  return st === undefined ? "none" : st.isFile() ? "file" : "other";
}

function hasThreadFiles(threadsDir: string): boolean {
  return readdirSync(threadsDir).some((name) => name.endsWith(".log") || name.endsWith(".pack"));
}

/** Rebuilds the catalog by reading every thread file's header and info records. */
function rebuild(
  catalog: Catalog,
  threadsDir: string,
  warn: (warning: StoreWarning) => void,
  fsync: boolean,
  filesOf: (threadId: string) => ThreadFiles,
  why: "missing" | "corrupt" | "empty",
): void {
  const entries: { info: ThreadInfo; order: number; state: "ok" }[] = [];
  const unreadable: string[] = [];
  const names = new Set(readdirSync(threadsDir));
  for (const name of names) {
    // A thread is its log, or its pack when the log is missing.
    const isThread = name.endsWith(".log") || (name.endsWith(".pack") && !names.has(name.replace(/\.pack$/, ".log")));
    if (!isThread) continue;
    const threadId = threadIdFromFile(join(threadsDir, name.replace(/\.pack$/, ".log")));
    if (threadId === undefined) {
      unreadable.push(name);
      continue;
    }
    const files = filesOf(threadId);
    files.refresh(false);
    const { state } = files;
    const createdAt = state.createdAt ?? new Date(0).toISOString();
    const info: ThreadInfo = {
      threadId,
      createdAt,
      updatedAt: state.lastAt ?? createdAt,
      metadata: state.info?.meta ?? {},
    };
    if (state.info?.title !== undefined) info.title = state.info.title;
    entries.push({ info, order: 0, state: "ok" });
  }
  entries.sort((a, b) => (a.info.updatedAt < b.info.updatedAt ? -1 : 1)).forEach((e, i) => (e.order = i));
  catalog.writeAll(entries, fsync);
  warn({
    code: "CATALOG_REBUILT",
    file: catalog.path,
    message: `The thread catalog was ${why}: rebuilt it from ${entries.length} thread file(s); no thread was lost.`,
  });
  for (const name of unreadable) {
    warn({
      code: "UNREADABLE_THREAD",
      file: join(threadsDir, name),
      message: `${join(threadsDir, name)} has no readable header, so it is not listed; the file was left in place for inspection.`,
    });
  }
}

/** The thread id recorded in a thread's header record (in the log, or in the pack after a compaction). */
function threadIdFromFile(logPath: string): string | undefined {
  try {
    // Quiet: the thread's own load right after reports whatever damage it finds, under its id.
    const probe = new ThreadFiles("?", logPath, logPath.replace(/\.log$/, ".pack"), () => undefined);
    probe.refresh(false);
    probe.closeFd();
    return probe.state.threadId;
  } catch {
    return undefined;
  }
}

export function removeThreadFiles(files: ThreadFiles, fsync: boolean): void {
  files.closeFd();
  // The pack first: a deletion cut short then leaves at most a log that depends on it, which reads as damaged
  // (and whose catalog "del" finishes the deletion at the next open), never an older history that looks whole.
  for (const path of [files.packPath, files.logPath, files.headPath]) {
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  if (fsync) fsyncDir(join(files.logPath, ".."));
}
