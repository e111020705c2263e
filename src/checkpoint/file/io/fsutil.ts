import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  statSync,
  unlinkSync,
  type Stats,
} from "node:fs";
import { CheckpointError } from "../../errors";
import { storeIo, type WriteSite } from "./io";

/** Makes a create, rename or unlink in `dir` durable (a no-op where directories cannot be opened, e.g. Windows). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* EISDIR/EPERM on some platforms: nothing more we can do */
  } finally {
    closeSync(fd);
  }
}

/** fsync without blocking the event loop (the extension host keeps painting while the disk flushes). */
export function fsyncAsync(fd: number, site: WriteSite): Promise<void> {
  return storeIo.fsyncAsync(fd, site);
}

export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export function readRange(path: string, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  const fd = openSync(path, "r");
  try {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A store file that is a symbolic link: the store never writes through one (it could be anything, anywhere). */
export class LinkedFileError extends CheckpointError {
  override name = "LinkedFileError";
  constructor(readonly path: string) {
    super(
      `${path} is a symbolic link; Skein does not write through links in its store. Replace it with the file itself (or remove it).`,
      "LINKED_STORE_FILE",
    );
  }
}

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const FLAGS = { a: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, "r+": constants.O_RDWR } as const;

/** Opens a store file for writing, refusing a symbolic link (O_NOFOLLOW where the platform has it, else lstat). */
export function openForWrite(path: string, mode: keyof typeof FLAGS): number {
  if (NO_FOLLOW === 0 && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw new LinkedFileError(path);
  try {
    return openSync(path, FLAGS[mode] | NO_FOLLOW, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw new LinkedFileError(path);
    throw error;
  }
}

/** Cuts a damaged tail off a store file (never through a symbolic link: that throws LinkedFileError). */
export function truncate(path: string, length: number, site: WriteSite): void {
  const fd = openForWrite(path, "r+");
  try {
    storeIo.truncate(fd, length, site);
    storeIo.fsync(fd, site);
  } finally {
    closeSync(fd);
  }
}

/** Removes a file; one already gone is fine. */
export function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
