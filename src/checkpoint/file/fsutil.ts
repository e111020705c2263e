import { closeSync, fsync, fsyncSync, openSync } from "node:fs";

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
export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}
