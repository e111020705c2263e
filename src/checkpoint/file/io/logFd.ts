import { closeSync } from "node:fs";
import { openForWrite } from "./fsutil";

/**
 * The append fd of a thread's log, opened on first use. An fsync in flight keeps the fd open when the thread
 * lets go of it meanwhile (a full reload, another window's write): it is closed when the last fsync ends, so
 * an fsync never meets a closed fd (EBADF) or one the kernel already handed to another file.
 */
export class LogFd {
  private fd: number | undefined;
  /** fsyncs in flight on `fd`, and fds let go of meanwhile (closed when the last of them ends). */
  private syncing = 0;
  private retired: number[] = [];

  constructor(private readonly path: string) {}

  /** The fd, opened for appending if it is not yet. */
  open(): number {
    if (this.fd === undefined) this.fd = openForWrite(this.path, "a");
    return this.fd;
  }

  /** The open fd, if any (undefined when the files are gone). */
  get current(): number | undefined {
    return this.fd;
  }

  /** fsyncs the log without blocking the event loop. */
  async sync(fsync: (fd: number) => Promise<void>): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return;
    this.syncing++;
    try {
      await fsync(fd);
    } finally {
      if (--this.syncing === 0) for (const old of this.retired.splice(0)) closeQuietly(old);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    if (this.syncing > 0) this.retired.push(this.fd);
    else closeQuietly(this.fd);
    this.fd = undefined;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}
