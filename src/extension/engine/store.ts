/** Opens the checkpoint store of one workspace scope. Loaded lazily (not at activation). */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import { FileSaver } from "../../checkpoint/file";

export async function createStore(dir: string): Promise<BaseCheckpointSaver> {
  // FileSaver opens lazily on first use; nothing touches the disk here.
  return new FileSaver(dir);
}
