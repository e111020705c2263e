import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "../../../src/checkpoint/file";
import { runSaverConformance } from "./conformance";

function tempStore(): { dir: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), "skein-store-"));
  return { dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

// fsync off here: these tests are about behaviour; durability has its own crash test.
runSaverConformance("FileSaver", async () => {
  const { dir, cleanup } = tempStore();
  return {
    saver: new FileSaver(dir, { fsync: false }),
    reopen: async () => new FileSaver(dir, { fsync: false }),
    cleanup,
  };
});

runSaverConformance("FileSaver (fsync on, tiny compaction threshold)", async () => {
  const { dir, cleanup } = tempStore();
  return {
    saver: new FileSaver(dir, { compactBytes: 512 }),
    reopen: async () => new FileSaver(dir, { compactBytes: 512 }),
    cleanup,
  };
});
