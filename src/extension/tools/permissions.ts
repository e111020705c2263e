/**
 * "Always allow" for changing tools, kept per workspace (VS Code's workspaceState): `edit_file` as a whole, or
 * one exact `run_command` command line — never a prefix or a pattern, so allowing `npm test` does not allow
 * `npm test; rm -rf ~`. Tools other extensions contribute always ask. No `vscode` import.
 */
import type { KeyValueStore } from "../chat/stateKeys";

export type ToolPermission = { tool: "edit_file" } | { tool: "run_command"; command: string };

const KEY = "skein.tools.alwaysAllow";
/** More than anyone would keep; a runaway list must not grow workspaceState without bound. */
const MAX_ENTRIES = 500;

const sameEntry = (a: ToolPermission, b: ToolPermission) =>
  a.tool === b.tool && (a.tool !== "run_command" || a.command === (b as { command: string }).command);

function isPermission(value: unknown): value is ToolPermission {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as { tool?: unknown; command?: unknown };
  return entry.tool === "edit_file" || (entry.tool === "run_command" && typeof entry.command === "string");
}

/** The permission an approved call would grant with "Always allow", or undefined when the tool cannot have one. */
export function permissionFor(name: string, args: Record<string, unknown>): ToolPermission | undefined {
  if (name === "edit_file") return { tool: "edit_file" };
  if (name === "run_command" && typeof args.command === "string" && args.command.trim())
    return { tool: "run_command", command: args.command };
  return undefined;
}

export class ToolPermissions {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly state: KeyValueStore) {}

  list(): ToolPermission[] {
    const stored = this.state.get<unknown>(KEY);
    return Array.isArray(stored) ? stored.filter(isPermission) : [];
  }

  isAllowed(name: string, args: Record<string, unknown>): boolean {
    const wanted = permissionFor(name, args);
    return wanted !== undefined && this.list().some((entry) => sameEntry(entry, wanted));
  }

  async allow(permission: ToolPermission): Promise<void> {
    const current = this.list();
    if (current.some((entry) => sameEntry(entry, permission))) return;
    await this.state.update(KEY, [...current, permission].slice(-MAX_ENTRIES));
    this.changed();
  }

  async remove(permission: ToolPermission): Promise<void> {
    await this.state.update(
      KEY,
      this.list().filter((entry) => !sameEntry(entry, permission)),
    );
    this.changed();
  }

  async clear(): Promise<void> {
    await this.state.update(KEY, []);
    this.changed();
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
