/**
 * The tool set a turn offers: the read-only tools always (with a workspace folder open), edit_file and
 * run_command only in a trusted workspace, other extensions' tools only when the user opted in and the
 * workspace is trusted (they always ask). Names of built-ins win over external tools of the same name.
 */
import type { ChatTool } from "../tools";
import { editFileTool, externalChatTool, runCommandTool } from "./changeTools";
import { readOnlyTools } from "./readTools";
import { DEFAULT_TOOL_LIMITS, type ToolLimits, type ToolSettings, type WorkspaceHost } from "./types";

export function toolLimits(settings: Pick<ToolSettings, "limits">): ToolLimits {
  return { ...DEFAULT_TOOL_LIMITS, ...settings.limits };
}

export async function createWorkspaceTools(host: WorkspaceHost, settings: ToolSettings): Promise<ChatTool[]> {
  if (!settings.enabled || host.folders().length === 0) return [];
  const limits = toolLimits(settings);
  const tools = readOnlyTools(host, limits);
  if (!host.isTrusted()) return tools;
  tools.push(editFileTool(host), runCommandTool(host, limits));
  if (settings.external && host.externalTools) {
    const taken = new Set(tools.map((t) => t.definition.name));
    for (const tool of await host.externalTools()) {
      if (taken.has(tool.definition.name)) continue;
      taken.add(tool.definition.name);
      tools.push(externalChatTool(tool));
    }
  }
  return tools;
}

const hostIds = new WeakMap<object, number>();
let nextHostId = 1;

/** Identifies a tool set, so a cached graph is rebuilt when trust, settings, folders or the host change. */
export function toolSetKey(
  host: WorkspaceHost | undefined,
  settings: ToolSettings,
  tools: readonly ChatTool[],
): string {
  let id = 0;
  if (host) {
    id = hostIds.get(host) ?? nextHostId++;
    hostIds.set(host, id);
  }
  return JSON.stringify([
    id,
    settings.maxRounds,
    toolLimits(settings),
    host?.folders() ?? [],
    tools.map((t) => t.definition.name),
  ]);
}
