import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "../../../src/checkpoint/file";
import { MemorySaver } from "../../../src/checkpoint/memory";
import { runLangGraphConformance } from "./langgraphConformance";

runLangGraphConformance("MemorySaver", async () => ({ saver: new MemorySaver() }));

// fsync off: this suite is about the contract; durability has its own crash test.
runLangGraphConformance("FileSaver", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skein-lg-conformance-"));
  return {
    saver: new FileSaver(dir, { fsync: false }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
