/** Opens the checkpoint store of one workspace scope. Loaded lazily (not at activation). */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import { copyThreads, type CopyReport } from "../../checkpoint/copy";
import { FileSaver } from "../../checkpoint/file";
import { PostgresSaver } from "../../checkpoint/postgres";

export async function createStore(dir: string): Promise<BaseCheckpointSaver> {
  // FileSaver opens lazily on first use; nothing touches the disk here.
  return new FileSaver(dir);
}

/** The shared store: PostgreSQL, listing the threads of one shared workspace key. Runs setup (migrations). */
export async function createPostgresStore(url: string, options: { workspace: string; holder: string }): Promise<PostgresSaver> {
  const saver = PostgresSaver.fromConnString(url, { workspace: options.workspace, holder: options.holder });
  try {
    await saver.setup();
  } catch (error) {
    await saver.close();
    throw error;
  }
  return saver;
}

/** Connects, runs setup and returns the server's version line (for "Connect to PostgreSQL…"). */
export async function testPostgres(url: string): Promise<string> {
  const saver = PostgresSaver.fromConnString(url, { pool: { connectTimeoutMs: 8_000 } });
  try {
    await saver.setup();
    return await saver.serverVersion();
  } finally {
    await saver.close();
  }
}

/** Copies every thread of a local store directory into the shared store (existing ids are skipped). */
export async function copyLocalThreads(dir: string, to: BaseCheckpointSaver, onProgress?: (done: number, total: number) => void): Promise<CopyReport> {
  const local = new FileSaver(dir);
  try {
    return await copyThreads(local, to, { onProgress });
  } finally {
    await local.close();
  }
}
