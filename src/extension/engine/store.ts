/** Opens the checkpoint store of one workspace scope. Loaded lazily (not at activation). */
import type * as Vscode from "vscode";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import { copyThreads, type CopyReport } from "../../checkpoint/copy";
import { FileSaver, type StoreWarning } from "../../checkpoint/file";
import { PostgresSaver } from "../../checkpoint/postgres";

export async function createStore(dir: string): Promise<BaseCheckpointSaver> {
  // FileSaver opens lazily on first use; nothing touches the disk here.
  return new FileSaver(dir, { onWarning: reportStoreWarning });
}

/**
 * The editor API, looked up when a warning comes: this module is part of the lazily loaded engine, which the
 * unit tests load without an editor (there the warning goes to the console, as FileSaver's default does).
 */
function editor(): typeof Vscode | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("vscode") as typeof Vscode;
  } catch {
    return undefined;
  }
}

let channel: Vscode.OutputChannel | undefined;
/** (code, thread) pairs already shown as a notification: a damaged file is reported once, not on every read. */
const notified = new Set<string>();

/**
 * Every store warning goes to the "Skein" output channel, and the first of each kind per thread also to a
 * notification naming the thread and what was recovered, with a button to open the channel.
 */
function reportStoreWarning(warning: StoreWarning): void {
  const vscode = editor();
  if (!vscode) {
    console.warn(`[skein store] ${warning.message}`);
    return;
  }
  channel ??= vscode.window.createOutputChannel("Skein");
  channel.appendLine(
    `[${new Date().toISOString()}] ${warning.code}${warning.file ? ` ${warning.file}` : ""}: ${warning.message}`,
  );
  const key = `${warning.code}\u0000${warning.threadId ?? ""}`;
  if (notified.has(key)) return;
  notified.add(key);
  const show = vscode.l10n.t("Show Details");
  void vscode.window.showWarningMessage(vscode.l10n.t("Skein store: {0}", warning.message), show).then((choice) => {
    if (choice === show) channel?.show(true);
  });
}

/** The shared store: PostgreSQL, listing the threads of one shared workspace key. Runs setup (migrations). */
export async function createPostgresStore(
  url: string,
  options: { workspace: string; holder: string },
): Promise<PostgresSaver> {
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
export async function copyLocalThreads(
  dir: string,
  to: BaseCheckpointSaver,
  onProgress?: (done: number, total: number) => void,
): Promise<CopyReport> {
  const local = new FileSaver(dir);
  try {
    return await copyThreads(local, to, { onProgress });
  } finally {
    await local.close();
  }
}
