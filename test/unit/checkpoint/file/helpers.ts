import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { FileSaver, type FileSaverOptions, type StoreWarning } from "../../../../src/checkpoint/file";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh store directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "skein-store-"));
  made.push(dir);
  return dir;
}

/** A saver that records its warnings instead of printing them. */
export function openSaver(dir: string, options: FileSaverOptions = {}): { saver: FileSaver; warnings: StoreWarning[] } {
  const warnings: StoreWarning[] = [];
  const saver = new FileSaver(dir, { fsync: false, onWarning: (w) => warnings.push(w), ...options });
  return { saver, warnings };
}

/** Total bytes of every file under `dir`. */
export function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    total += st.isDirectory() ? bytesUnder(path) : st.size;
  }
  return total;
}

export const cfg = (thread_id: string, checkpoint_id?: string) => ({
  configurable: { thread_id, checkpoint_ns: "", ...(checkpoint_id ? { checkpoint_id } : {}) },
});

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
