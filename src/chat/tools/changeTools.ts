/**
 * The tools that change the workspace — edit_file and run_command — and other extensions' tools. Each call asks
 * first (an approval card showing the diff or the command) unless the user chose "Always allow" for it, and none
 * of them is offered in an untrusted workspace.
 */
import { readFile, stat } from "node:fs/promises";
import { createTwoFilesPatch } from "diff";
import { ToolOutcome, type ApprovalDetails, type ChatTool } from "../tools";
import { TOOL_DEFINITIONS } from "./definitions";
import { resolveWorkspacePath } from "./paths";
import { ToolInputError, optionalString, requireString } from "./readTools";
import type { ExternalTool, ToolLimits, WorkspaceHost } from "./types";

/** The "Always allow" rule a call falls under: edit_file as a whole, run_command per exact command line, else none. */
export function alwaysAllowKey(name: string, args: Record<string, unknown>): string | undefined {
  if (name === "edit_file") return "edit_file";
  if (name === "run_command" && typeof args.command === "string" && args.command.trim())
    return `run_command:${args.command}`;
  return undefined;
}

async function currentText(host: WorkspaceHost, abs: string): Promise<string | undefined> {
  const open = await host.readText?.(abs);
  if (open !== undefined) return open;
  try {
    return await readFile(abs, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) count++;
  return count;
}

export interface PlannedEdit {
  abs: string;
  display: string;
  before: string;
  after: string;
  diff: string;
  creates: boolean;
}

/** Checks an edit against the file as it is now (open editor text first) and computes its diff. */
export async function planEdit(host: WorkspaceHost, args: Record<string, unknown>): Promise<PlannedEdit> {
  const path = requireString(args.path, "path");
  const oldText = requireString(args.old_text, "old_text", { allowEmpty: true });
  const newText = requireString(args.new_text, "new_text", { allowEmpty: true });
  const target = await resolveWorkspacePath(host.folders(), path);
  if (target.rel === "") throw new ToolInputError(`"${path}" is a workspace folder, not a file.`);
  const existing = await stat(target.abs).catch(() => undefined);
  if (existing?.isDirectory()) throw new ToolInputError(`"${target.display}" is a folder, not a file.`);
  const before = existing ? await currentText(host, target.abs) : undefined;
  let after: string;
  if (oldText === "") {
    if (before !== undefined)
      throw new ToolInputError(
        `"${target.display}" already exists. To change it, give the exact text to replace as old_text.`,
      );
    after = newText;
  } else {
    if (before === undefined)
      throw new ToolInputError(`"${target.display}" does not exist. To create it, use old_text "" (empty).`);
    const count = occurrences(before, oldText);
    if (count === 0)
      throw new ToolInputError(
        `old_text was not found in "${target.display}". Read the file again (read_file) and copy the text exactly, whitespace included.`,
      );
    if (count > 1)
      throw new ToolInputError(
        `old_text occurs ${count} times in "${target.display}". Include more surrounding lines so it occurs once.`,
      );
    if (oldText === newText) throw new ToolInputError("old_text and new_text are the same: nothing would change.");
    const at = before.indexOf(oldText);
    after = before.slice(0, at) + newText + before.slice(at + oldText.length);
  }
  const name = target.display;
  const diff = createTwoFilesPatch(
    before === undefined ? "/dev/null" : `a/${name}`,
    `b/${name}`,
    before ?? "",
    after,
    undefined,
    undefined,
    { context: 3 },
  );
  return { abs: target.abs, display: name, before: before ?? "", after, diff, creates: before === undefined };
}

function lineCount(text: string): number {
  return text === "" ? 0 : text.split("\n").length;
}

async function askUnlessAllowed(
  host: WorkspaceHost,
  name: string,
  args: Record<string, unknown>,
  details: ApprovalDetails,
): Promise<ApprovalDetails | undefined> {
  return (await host.isAlwaysAllowed(name, args)) ? undefined : details;
}

export function editFileTool(host: WorkspaceHost): ChatTool {
  return {
    definition: TOOL_DEFINITIONS.edit_file,
    approval: async (args) => {
      const plan = await planEdit(host, args);
      return askUnlessAllowed(host, "edit_file", args, { diff: plan.diff, path: plan.abs });
    },
    run: async (args) => {
      // Checked again: the file may have changed while the card waited.
      const plan = await planEdit(host, args);
      await host.applyEdit(plan.abs, String(args.old_text), String(args.new_text));
      const summary = plan.creates
        ? `Created ${plan.display} (${lineCount(plan.after)} lines).`
        : `Edited ${plan.display}: replaced ${lineCount(String(args.old_text))} line(s) with ${lineCount(String(args.new_text))}.`;
      return new ToolOutcome(summary, "ok", { diff: plan.diff, path: plan.abs });
    },
    rememberAlways: (args) => host.rememberAlwaysAllow?.("edit_file", args),
  };
}

export function runCommandTool(host: WorkspaceHost, limits: ToolLimits): ChatTool {
  const where = async (args: Record<string, unknown>) => {
    const command = requireString(args.command, "command");
    const target = await resolveWorkspacePath(host.folders(), optionalString(args.cwd, "cwd"));
    const info = await stat(target.abs).catch(() => undefined);
    if (!info?.isDirectory()) throw new ToolInputError(`cwd "${target.display}" is not a folder of the workspace.`);
    return { command, cwd: target.abs };
  };
  return {
    definition: TOOL_DEFINITIONS.run_command,
    approval: async (args) => askUnlessAllowed(host, "run_command", args, await where(args)),
    run: async (args, context) => {
      const { command, cwd } = await where(args);
      const result = await host.runCommand(command, cwd, {
        signal: context.signal,
        timeoutMs: limits.commandTimeoutMs,
        maxOutputBytes: limits.maxOutputBytes,
        onOutput: context.onOutput,
      });
      const notes: string[] = [];
      if (result.truncated) notes.push(`(output cut at ${limits.maxOutputBytes} bytes)`);
      if (result.timedOut) notes.push(`(stopped: the command ran longer than ${limits.commandTimeoutMs / 1000} s)`);
      if (context.signal?.aborted) notes.push("(stopped by the user)");
      const status = context.signal?.aborted
        ? "stopped"
        : result.timedOut
          ? "timed_out"
          : result.exitCode === 0
            ? "ok"
            : "error";
      const head = result.exitCode === null ? "Exit code: none (killed)" : `Exit code: ${result.exitCode}`;
      const body = result.output.trim() ? result.output : "(no output)";
      return new ToolOutcome([head, body, ...notes].join("\n"), status, {
        exitCode: result.exitCode,
        truncated: result.truncated,
      });
    },
    rememberAlways: (args) => host.rememberAlwaysAllow?.("run_command", args),
  };
}

/** Another extension's tool: always asks (no "Always allow"), runs through the host. */
export function externalChatTool(tool: ExternalTool): ChatTool {
  return {
    definition: tool.definition,
    approval: async () => ({}),
    run: (args, context) => tool.invoke(args, { signal: context.signal }),
  };
}
