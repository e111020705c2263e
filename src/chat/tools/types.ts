/**
 * The workspace tools' contract: their names and inputs (as the model sees them), what they need from the
 * editor (`WorkspaceHost`, supplied by the extension; a plain-Node host lives beside this file for tests and
 * scripts), the approval that pauses a changing call (an `interrupt()` stored in the thread's checkpoint, so it
 * survives reloads) and the decision that resumes it. No `vscode` import.
 */
import type { ToolDefinition } from "../../model/types";

/** Tools that only read: they run without asking. */
export const READ_ONLY_TOOLS = ["read_file", "list_files", "search_workspace", "get_diagnostics"] as const;
/** Tools that change the workspace: each call asks first, and none is offered in an untrusted workspace. */
export const CHANGING_TOOLS = ["edit_file", "run_command"] as const;

export type ReadOnlyToolName = (typeof READ_ONLY_TOOLS)[number];
export type ChangingToolName = (typeof CHANGING_TOOLS)[number];
export type WorkspaceToolName = ReadOnlyToolName | ChangingToolName;

/** Tool inputs, exactly as the model sends them. Paths are workspace-relative (a folder's name may lead in a multi-root workspace). */
export interface ReadFileInput {
  path: string;
  /** 1-based, inclusive. */
  start_line?: number;
  end_line?: number;
}
export interface ListFilesInput {
  path?: string;
  glob?: string;
}
export interface SearchWorkspaceInput {
  query: string;
  glob?: string;
  is_regex?: boolean;
}
export interface GetDiagnosticsInput {
  path?: string;
}
export interface EditFileInput {
  path: string;
  /** Replaced exactly once; "" creates a new file holding `new_text`. */
  old_text: string;
  new_text: string;
}
export interface RunCommandInput {
  command: string;
  /** Workspace-relative; default the first workspace folder. */
  cwd?: string;
}

export interface ToolInputs {
  read_file: ReadFileInput;
  list_files: ListFilesInput;
  search_workspace: SearchWorkspaceInput;
  get_diagnostics: GetDiagnosticsInput;
  edit_file: EditFileInput;
  run_command: RunCommandInput;
}

export interface WorkspaceFolder {
  name: string;
  /** Absolute file-system path. */
  path: string;
}

export type DiagnosticSeverity = "error" | "warning" | "information" | "hint";

export interface WorkspaceDiagnostic {
  /** Absolute path (the tool shows it workspace-relative). */
  path: string;
  /** 1-based. */
  line: number;
  column: number;
  severity: DiagnosticSeverity;
  message: string;
  source?: string;
}

export interface CommandRunOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** Output kept beyond this is dropped (`truncated: true`); the process keeps running to its end. */
  maxOutputBytes: number;
  /** Each piece of combined stdout/stderr as it arrives (the chat streams it). */
  onOutput?(chunk: string): void;
}

export interface CommandResult {
  /** null when the process was killed (timeout, Stop) or died by a signal. */
  exitCode: number | null;
  /** Combined stdout and stderr, in arrival order, capped. */
  output: string;
  truncated: boolean;
  timedOut: boolean;
}

/** A tool contributed by another extension or an MCP server (`vscode.lm.tools`); always asks before it runs. */
export interface ExternalTool {
  definition: ToolDefinition;
  invoke(args: Record<string, unknown>, options: { signal?: AbortSignal }): Promise<string>;
}

/** What the tools need from the editor. Everything the tools do goes through here or through `node:fs` reads. */
export interface WorkspaceHost {
  /** The workspace folders; an empty list offers no workspace tools. */
  folders(): readonly WorkspaceFolder[];
  /** Workspace trust: when false only the read-only tools are offered. */
  isTrusted(): boolean;
  /** The text of an open editor for this file, possibly unsaved; undefined when it is not open. */
  readText?(absPath: string): string | undefined | Promise<string | undefined>;
  /** Problems of one file, or of the whole workspace without a path. */
  diagnostics(absPath?: string): readonly WorkspaceDiagnostic[] | Promise<readonly WorkspaceDiagnostic[]>;
  /**
   * Replaces `oldText` by `newText` once in the file (`oldText: ""` creates it with `newText`). The editor applies
   * it as a WorkspaceEdit (undoable, respects dirty editors); the Node host writes the file. Throws on failure.
   */
  applyEdit(absPath: string, oldText: string, newText: string): Promise<void>;
  /** A ripgrep binary (VS Code ships one); without it search uses a slower built-in scan. */
  ripgrepPath?(): string | undefined;
  runCommand(command: string, cwd: string, options: CommandRunOptions): Promise<CommandResult>;
  /** The per-workspace "Always allow": edit_file as a whole, run_command only for this exact command line. */
  isAlwaysAllowed(name: string, args: Record<string, unknown>): boolean | Promise<boolean>;
  /** Records an "Always allow" answer (the same rule as `isAlwaysAllowed`); a host without it ignores `always`. */
  rememberAlwaysAllow?(name: string, args: Record<string, unknown>): void | Promise<void>;
  /** Tools of other extensions, offered only when the user opted in (`skein.tools.external`). */
  externalTools?(): readonly ExternalTool[] | Promise<readonly ExternalTool[]>;
}

/** Caps that keep a tool result and a command bounded. */
export interface ToolLimits {
  /** read_file refuses bigger files unless a line range is given (and then reads at most this much). */
  maxFileBytes: number;
  /** A tool result longer than this is cut, with a note saying so. */
  maxResultChars: number;
  /** run_command output kept. */
  maxOutputBytes: number;
  commandTimeoutMs: number;
  /** search_workspace matches returned. */
  maxSearchResults: number;
  /** list_files entries returned. */
  maxListEntries: number;
}

export const DEFAULT_TOOL_LIMITS: ToolLimits = {
  maxFileBytes: 1024 * 1024,
  maxResultChars: 100_000,
  maxOutputBytes: 64 * 1024,
  commandTimeoutMs: 120_000,
  maxSearchResults: 200,
  maxListEntries: 1000,
};

/** The settings the extension passes to each turn (`skein.tools.*`). */
export interface ToolSettings {
  /** `skein.tools.enabled` (default true). */
  enabled: boolean;
  /** `skein.tools.maxRounds`: model ⇄ tool rounds per turn (default 25), then the turn stops with a note. */
  maxRounds: number;
  /** `skein.tools.external`: offer other extensions' tools (always asking). Default false. */
  external?: boolean;
  limits?: Partial<ToolLimits>;
}

export const DEFAULT_TOOL_SETTINGS: ToolSettings = { enabled: true, maxRounds: 25, external: false };

/** The `interrupt()` payload of a changing call, stored in the checkpoint; the chat renders it as a card. */
export interface ToolApprovalRequest {
  kind: "tool_approval";
  toolCallId: string;
  name: string;
  args: Record<string, unknown>;
  /** edit_file: unified diff of the change (workspace-relative file names). */
  diff?: string;
  /** edit_file: the absolute path, for "Show Diff". */
  path?: string;
  /** run_command: the command line and the absolute cwd it runs in. */
  command?: string;
  cwd?: string;
}

/** The resume value that answers one approval. */
export type ToolApprovalDecision = { approved: true; always?: boolean } | { approved: false; reason?: string };

/** A pending approval as the thread's state holds it: answer it with `answerApproval(thread, interruptId, …)`. */
export interface PendingApproval {
  interruptId: string;
  request: ToolApprovalRequest;
}

/** How a tool call ended; stored on its tool result message as `metadata.tool_status`. */
export type ToolCallStatus = "ok" | "error" | "rejected" | "stopped" | "timed_out" | "abandoned";

/** `metadata` of a tool result message, for the compact rows in the chat. */
export interface ToolResultMetadata {
  tool_status: ToolCallStatus;
  /** Every status but "ok" is sent to the API as `is_error: true`. */
  is_error?: boolean;
  durationMs?: number;
  /** run_command. */
  exitCode?: number | null;
  truncated?: boolean;
  /** edit_file: the unified diff that was applied, and the absolute path. */
  diff?: string;
  path?: string;
  createdAt?: string;
}

/** Reasons stored (and shown to the model) for calls answered without the user's explicit decision. */
export const MOVED_ON_REASON = "the user moved on";
