/** Opens the checkpoint store of one workspace scope. Loaded lazily (not at activation). */
import type { BaseCheckpointSaver } from "../checkpoint/base";
import { MemorySaver } from "../checkpoint/memory";

export async function createStore(dir: string): Promise<BaseCheckpointSaver> {
  // TODO(FileSaver, issue 3): `new FileSaver(dir)` once it lands; until then threads live for the session only.
  void dir;
  return new MemorySaver();
}
