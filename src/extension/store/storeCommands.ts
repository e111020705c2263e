/**
 * Commands of the shared store: Connect to PostgreSQL… (the connection string goes to SecretStorage only, after
 * a test that shows the server's version), Disconnect, Copy Local Threads to PostgreSQL, Retry.
 */
import * as vscode from "vscode";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import { describeServer, redact } from "../../checkpoint/postgres/redact";
import { loadEngine } from "../engine/loadEngine";
import { POSTGRES_SECRET, type StoreService } from "./storeService";

export interface StoreCommandContext {
  store: StoreService;
  secrets: vscode.SecretStorage;
  /** This window's local store directory (what Copy Local Threads reads). */
  localDir: string;
  /** This window's open store (the PostgreSQL one once connected). */
  saver(): Promise<BaseCheckpointSaver>;
  refreshTree(): void;
  /** Makes the window follow the setting and the stored connection string now (no reload). */
  switchStore(): Promise<void>;
}

/** The handlers behind skein.connectPostgres, disconnectPostgres, copyLocalToPostgres and retryStore (commands.ts). */
export interface StoreCommands {
  /** With `url` (tests, automation) nothing is prompted; the outcome is returned (its message redacted). */
  connect(url?: string): Promise<{ ok: boolean; message: string } | undefined>;
  disconnect(): Promise<void>;
  copyLocal(): Promise<void>;
  retry(): void;
  /** Whether this window's store is the shared PostgreSQL one (what copyLocal and retry need). */
  isShared(): boolean;
}

export function createStoreCommands(ctx: StoreCommandContext): StoreCommands {
  return {
    connect: (url) => connect(ctx, url),
    disconnect: () => disconnect(ctx),
    copyLocal: () => copyLocal(ctx),
    retry: () => {
      ctx.store.retry();
      ctx.refreshTree();
    },
    isShared: () => ctx.store.isPostgres,
  };
}

async function connect(
  ctx: StoreCommandContext,
  given?: string,
): Promise<{ ok: boolean; message: string } | undefined> {
  const url =
    given ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t("Connect to PostgreSQL"),
      prompt: vscode.l10n.t("Connection string. It is kept in VS Code's secret storage only, never in settings."),
      placeHolder: "postgres://user:password@host:5432/database",
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) =>
        /^postgres(ql)?:\/\/\S+$/i.test(value.trim())
          ? undefined
          : vscode.l10n.t("Starts with postgres:// (e.g. postgres://user:password@host:5432/db)."),
    }));
  if (!url) return undefined;
  const trimmed = url.trim();
  if (!/^postgres(ql)?:\/\/\S+$/i.test(trimmed)) {
    const message = vscode.l10n.t("Starts with postgres:// (e.g. postgres://user:password@host:5432/db).");
    void vscode.window.showErrorMessage(message);
    return { ok: false, message };
  }
  let version: string;
  try {
    version = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t("Connecting to {0}…", describeServer(trimmed)),
      },
      async () => (await loadEngine()).testPostgres(trimmed),
    );
  } catch (error) {
    // Nothing is stored when the test fails; the message never holds the password.
    const message = redact((error as Error).message, trimmed);
    void vscode.window.showErrorMessage(message);
    return { ok: false, message };
  }
  await ctx.secrets.store(POSTGRES_SECRET, trimmed);
  await vscode.workspace.getConfiguration("skein").update("store", "postgres", vscode.ConfigurationTarget.Global);
  await ctx.switchStore();
  const shortVersion = /^PostgreSQL [\d.]+/.exec(version)?.[0] ?? version;
  const message = vscode.l10n.t(
    "Connected to {0} at {1}: this window's threads are now stored there.",
    shortVersion,
    describeServer(trimmed),
  );
  if (given === undefined) {
    const copy = vscode.l10n.t("Copy Local Threads…");
    void vscode.window.showInformationMessage(message, copy).then((choice) => {
      if (choice === copy) void vscode.commands.executeCommand("skein.copyLocalToPostgres");
    });
  }
  return { ok: true, message };
}

async function disconnect(ctx: StoreCommandContext): Promise<void> {
  await ctx.secrets.delete(POSTGRES_SECRET);
  await vscode.workspace.getConfiguration("skein").update("store", "local", vscode.ConfigurationTarget.Global);
  await ctx.switchStore();
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      "Disconnected: the connection string was removed. Threads in PostgreSQL stay there; this window now uses its local threads.",
    ),
  );
}

/** Run only with the shared store open (the command table requires "sharedStore"). */
async function copyLocal(ctx: StoreCommandContext): Promise<void> {
  try {
    const target = await ctx.saver();
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t("Copying local threads to PostgreSQL"),
        cancellable: false,
      },
      async (progress) =>
        (await loadEngine()).copyLocalThreads(ctx.localDir, target, (done, total) =>
          progress.report({ message: `${done}/${total}` }),
        ),
    );
    ctx.refreshTree();
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        "Copied {0} threads ({1} checkpoints, every branch). {2} were already in PostgreSQL and left as they are.",
        report.threads,
        report.checkpoints,
        report.skipped.length,
      ),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t("Copying failed: {0}", ctx.store.error ?? (error as Error).message),
    );
  }
}
