import { closeSync, fsync, fsyncSync, ftruncateSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";

/** Which file a write goes to (fault-injection tests pick their target by it). */
export type WriteSite = "log" | "pack" | "catalog" | "catalogRewrite" | "head" | "marker" | "lock";

/**
 * The file-system calls that change the store's files, in one object: the fault-injection tests wrap them
 * (short writes, ENOSPC, EIO on fsync) by site; in use they are Node's own calls, one property lookup away.
 */
export const storeIo = {
  write: (fd: number, data: Buffer, offset: number, length: number, _site: WriteSite): number =>
    writeSync(fd, data, offset, length),
  fsync: (fd: number, _site: WriteSite): void => fsyncSync(fd),
  fsyncAsync: (fd: number, _site: WriteSite): Promise<void> =>
    new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))),
  truncate: (fd: number, length: number, _site: WriteSite): void => ftruncateSync(fd, length),
  rename: (from: string, to: string, _site: WriteSite): void => renameSync(from, to),
};

/** Bytes that reached the file before a write failed, so the caller can take them back. */
export interface PartialWriteError extends NodeJS.ErrnoException {
  bytesWritten: number;
}

/**
 * Writes all of `data`: write(2) may write fewer bytes than asked without failing (a disk filling up mid-write
 * does), so the count is checked and the rest written; when that fails the error carries how much got out.
 */
export function writeFully(fd: number, data: Buffer, site: WriteSite): void {
  let done = 0;
  while (done < data.length) {
    let n: number;
    try {
      n = storeIo.write(fd, data, done, data.length - done, site);
    } catch (error) {
      throw Object.assign(error as NodeJS.ErrnoException, { bytesWritten: done });
    }
    if (n <= 0) {
      throw Object.assign(new Error(`ENOSPC: wrote ${done} of ${data.length} bytes (the device accepts no more)`), {
        code: "ENOSPC",
        bytesWritten: done,
      });
    }
    done += n;
  }
}

/** Bytes a failed write left in the file (0 when the error came from elsewhere). */
export function bytesWrittenBy(error: unknown): number {
  return typeof (error as Partial<PartialWriteError>)?.bytesWritten === "number"
    ? (error as PartialWriteError).bytesWritten
    : 0;
}

/**
 * Writes a whole new file as `tmp`, fsynced when asked, and renames it over `path`; on any failure the
 * temporary file is removed and `path` keeps its old content.
 */
export function replaceFile(path: string, tmp: string, data: Buffer, fsync: boolean, site: WriteSite): void {
  try {
    const fd = openSync(tmp, "w");
    try {
      writeFully(fd, data, site);
      if (fsync) storeIo.fsync(fd, site);
    } finally {
      closeSync(fd);
    }
    storeIo.rename(tmp, path, site);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw error;
  }
}
