import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CheckpointError } from "../../errors";
import { fsyncDir } from "../io/fsutil";
import { replaceFile } from "../io/io";

/**
 * The store's format marker, `skein-store.json`, and the migration hook. Every file also names its own
 * version (thread header record `v`, catalog header `v`), but the marker decides what runs on open:
 * a store written by an older Skein is migrated step by step (`MIGRATIONS[n]` turns version n into n + 1),
 * a store from a newer Skein is refused rather than damaged.
 */
export const STORE_FORMAT = "skein-file-store";
export const STORE_VERSION = 1;
export const MARKER_FILE = "skein-store.json";

export type Migration = (directory: string) => void;

/** Version 1 is the first format; a future v2 adds `1: (dir) => { …rewrite files… }` here. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = Object.freeze({});

export class StoreFormatError extends CheckpointError {
  override name = "StoreFormatError";
  constructor(message: string) {
    super(message, "STORE_FORMAT");
  }
}

interface Marker {
  format: string;
  version: number;
}

/** Creates the marker in a new store, migrates an older one, refuses a newer or foreign one. */
export function openFormat(
  directory: string,
  migrations: Readonly<Record<number, Migration>> = MIGRATIONS,
  currentVersion = STORE_VERSION,
): { migratedFrom?: number } {
  const path = join(directory, MARKER_FILE);
  if (!existsSync(path)) {
    const entries = readdirSync(directory).filter((name) => !name.startsWith("."));
    // Another window may be creating the same store right now: its files (and temp files) are not foreign.
    const ours = (name: string) =>
      ["threads", "locks", "catalog.log", MARKER_FILE].includes(name) || name.startsWith(`${MARKER_FILE}.tmp-`);
    if (entries.length > 0 && !entries.every(ours)) {
      throw new StoreFormatError(
        `${directory} is not empty and has no ${MARKER_FILE}: refusing to use it as a Skein thread store (pick an empty directory).`,
      );
    }
    writeMarker(directory, currentVersion);
    return {};
  }
  let marker: Marker | null;
  try {
    marker = JSON.parse(readFileSync(path, "utf8")) as Marker;
  } catch (error) {
    throw new StoreFormatError(
      `${path} is unreadable (${(error as Error).message}). Restore it from a backup, or write {"format":"${STORE_FORMAT}","version":${currentVersion}} if the store is of this version.`,
    );
  }
  if (marker === null || typeof marker !== "object") {
    throw new StoreFormatError(
      `${path} holds ${JSON.stringify(marker)}, not a store description. Restore it from a backup, or write {"format":"${STORE_FORMAT}","version":${currentVersion}} if the store is of this version.`,
    );
  }
  if (marker.format !== STORE_FORMAT || !Number.isInteger(marker.version)) {
    throw new StoreFormatError(
      `${path} does not describe a Skein thread store (format ${JSON.stringify(marker.format)}).`,
    );
  }
  if (marker.version > currentVersion) {
    throw new StoreFormatError(
      `This thread store was written by a newer Skein (format v${marker.version}; this version reads up to v${currentVersion}). Update Skein; the store was left untouched.`,
    );
  }
  const from = marker.version;
  for (let version = marker.version; version < currentVersion; version++) {
    const step = migrations[version];
    if (!step) throw new StoreFormatError(`No migration from store format v${version} to v${version + 1}.`);
    step(directory);
    // Each finished step is recorded, so an interrupted migration resumes where it stopped.
    writeMarker(directory, version + 1);
  }
  return from < currentVersion ? { migratedFrom: from } : {};
}

function writeMarker(directory: string, version: number): void {
  const path = join(directory, MARKER_FILE);
  replaceFile(
    path,
    `${path}.tmp-${process.pid}`,
    Buffer.from(JSON.stringify({ format: STORE_FORMAT, version }) + "\n"),
    true,
    "marker",
  );
  fsyncDir(directory);
}
