/**
 * Which store this window uses — the local files (default) or a PostgreSQL server shared by windows, machines
 * and a team — and, for PostgreSQL, the connection state, the shared workspace key and live updates.
 * `skein.store` is read from the user's (machine) settings only, never from a workspace: a cloned repository
 * must not redirect a user's threads. The connection string lives only in SecretStorage; whatever is shown
 * (status bar, errors, tree) is redacted.
 */
import { hostname } from "node:os";
import * as vscode from "vscode";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import { describeServer, redact } from "../../checkpoint/postgres/redact";
import type { PostgresListener, PostgresSaver, StoreChange } from "../../checkpoint/postgres";
import { loadEngine } from "../engine/loadEngine";
import { fallbackWorkspaceKey, workspaceKeyFromGitConfig } from "./workspaceKey";

export const POSTGRES_SECRET = "skein.postgres.connectionString";

export type StoreState = "local" | "notConfigured" | "connecting" | "connected" | "unreachable";

export class StoreService implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem("skein.store", vscode.StatusBarAlignment.Right, 90);
  private readonly stateChanged = new vscode.EventEmitter<StoreState>();
  readonly onDidChangeState = this.stateChanged.event;
  private readonly threadsChanged = new vscode.EventEmitter<StoreChange>();
  /** A change committed by another window or machine (or found by a re-sync). */
  readonly onDidChangeThreads = this.threadsChanged.event;
  private current: StoreState;
  private lastError: string | undefined;
  private server = "";
  private url: string | undefined;
  private listener: PostgresListener | undefined;
  private readonly savers = new Set<PostgresSaver>();
  /** The shared workspace key (from the repository), computed once per window. */
  readonly workspaceKey: Promise<string>;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.current = StoreService.configuredKind() === "postgres" ? "connecting" : "local";
    this.workspaceKey = computeWorkspaceKey();
    this.status.name = vscode.l10n.t("Skein Thread Store");
    this.render();
    this.status.show();
  }

  /** The user's (machine-level) choice; a workspace value is ignored. */
  static configuredKind(): "local" | "postgres" {
    const inspected = vscode.workspace.getConfiguration("skein").inspect<string>("store");
    return inspected?.globalValue === "postgres" ? "postgres" : "local";
  }

  get state(): StoreState {
    return this.current;
  }

  get isPostgres(): boolean {
    return this.current !== "local";
  }

  /** Why the server is unreachable, redacted; undefined when it is not. */
  get error(): string | undefined {
    return this.lastError;
  }

  /**
   * Opens the store of a scope: a FileSaver on `dir`, or the shared PostgreSQL store of this window's workspace
   * key, or of `workspace` (another project's threads on the same server, for "All Workspaces").
   */
  async createSaver(dir: string, workspace?: string): Promise<BaseCheckpointSaver> {
    const engine = await loadEngine();
    if (!this.isPostgres) return engine.createStore(dir);
    const url = await this.secrets.get(POSTGRES_SECRET);
    if (!url) {
      this.setState("notConfigured", vscode.l10n.t("No connection string: run “Skein: Connect to PostgreSQL…”."));
      throw new Error(this.lastError);
    }
    this.url = url;
    this.server = describeServer(url);
    this.setState("connecting");
    try {
      const saver = await engine.createPostgresStore(url, {
        workspace: workspace ?? (await this.workspaceKey),
        holder: vscode.l10n.t("VS Code on {0} (pid {1})", hostname(), process.pid),
      });
      this.savers.add(saver);
      this.startListening(saver);
      this.setState("connected");
      return saver;
    } catch (error) {
      this.setState("unreachable", redact((error as Error).message, url));
      throw new Error(this.lastError);
    }
  }

  /** The connection string the open PostgreSQL store uses (undefined: local, or not opened yet). */
  get connectedUrl(): string | undefined {
    return this.url;
  }

  /**
   * Follows the current setting after a switch: drops the listener and the savers (whoever opened them closes
   * them), so the next createSaver opens the store the setting now names.
   */
  async reset(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    this.savers.clear();
    this.url = undefined;
    this.server = "";
    this.lastError = undefined;
    this.setState(StoreService.configuredKind() === "postgres" ? "connecting" : "local");
    await listener?.close();
  }

  /** A change whose origin is one of this window's savers was already shown here. */
  isOwnChange(change: StoreChange): boolean {
    return [...this.savers].some((saver) => saver.origin === change.origin);
  }

  private startListening(saver: PostgresSaver): void {
    if (this.listener) return;
    this.listener = saver.watch((change) => this.threadsChanged.fire(change), {
      onState: (state, error) => {
        if (state === "connected") this.setState("connected");
        else if (state === "disconnected")
          this.setState("unreachable", error && this.url ? redact(error, this.url) : undefined);
      },
    });
  }

  /** Retry now (the tree's Retry, the status bar when unreachable). */
  retry(): void {
    this.listener?.reconnect();
  }

  private setState(state: StoreState, error?: string): void {
    this.current = state;
    this.lastError = state === "unreachable" || state === "notConfigured" ? (error ?? this.lastError) : undefined;
    this.render();
    this.stateChanged.fire(state);
  }

  private render(): void {
    void this.workspaceKey.then((key) => {
      const where = this.server || vscode.l10n.t("PostgreSQL");
      const keyLine = vscode.l10n.t("Shared workspace: {0}", key);
      switch (this.current) {
        case "local":
          this.status.text = "$(file-directory) Skein: local";
          this.status.tooltip = vscode.l10n.t("Threads are stored on this machine. Click to connect to PostgreSQL.");
          this.status.command = "skein.connectPostgres";
          break;
        case "connected":
          this.status.text = `$(database) Skein: ${this.server}`;
          this.status.tooltip = `${vscode.l10n.t("Threads are stored in PostgreSQL at {0} (connected).", where)}\n${keyLine}`;
          this.status.command = "skein.connectPostgres";
          break;
        case "connecting":
          this.status.text = `$(sync~spin) Skein: ${where}`;
          this.status.tooltip = vscode.l10n.t("Connecting to {0}…", where);
          this.status.command = undefined;
          break;
        case "notConfigured":
        case "unreachable":
          this.status.text = `$(warning) Skein: ${where}`;
          this.status.tooltip = `${this.lastError ?? vscode.l10n.t("PostgreSQL is unreachable.")}\n${keyLine}\n${vscode.l10n.t("Click to retry.")}`;
          this.status.command = this.current === "notConfigured" ? "skein.connectPostgres" : "skein.retryStore";
          break;
      }
    });
  }

  dispose(): void {
    void this.listener?.close();
    this.status.dispose();
    this.stateChanged.dispose();
    this.threadsChanged.dispose();
  }
}

/**
 * `skein.store.workspaceKey` if set (user settings; a workspace value is honoured only in a trusted workspace),
 * else the git remote of the first folder, else the folder's name.
 */
async function computeWorkspaceKey(): Promise<string> {
  const inspected = vscode.workspace.getConfiguration("skein").inspect<string>("store.workspaceKey");
  const configured = (
    vscode.workspace.isTrusted ? (inspected?.workspaceValue ?? inspected?.globalValue) : inspected?.globalValue
  )?.trim();
  if (configured) return configured;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return fallbackWorkspaceKey(undefined);
  for (const config of await gitConfigCandidates(folder.uri)) {
    try {
      const key = workspaceKeyFromGitConfig(new TextDecoder().decode(await vscode.workspace.fs.readFile(config)));
      if (key) return key;
    } catch {
      // Not there: try the next place.
    }
  }
  return fallbackWorkspaceKey(folder.name);
}

/** `.git/config`, or for a worktree/submodule (`.git` is a file naming the git dir) that dir's shared config. */
async function gitConfigCandidates(folder: vscode.Uri): Promise<vscode.Uri[]> {
  const dotGit = vscode.Uri.joinPath(folder, ".git");
  const out = [vscode.Uri.joinPath(dotGit, "config")];
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(dotGit));
    const gitdir = /^gitdir:\s*(.+)$/m.exec(text)?.[1]?.trim();
    if (gitdir) {
      const dir =
        gitdir.startsWith("/") || /^[A-Za-z]:[\\/]/.test(gitdir)
          ? vscode.Uri.file(gitdir)
          : vscode.Uri.joinPath(folder, gitdir);
      out.push(vscode.Uri.joinPath(dir, "config"), vscode.Uri.joinPath(dir, "..", "..", "config"));
    }
  } catch {
    // .git is a directory (the common case) or absent.
  }
  return out;
}
