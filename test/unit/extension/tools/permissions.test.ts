import { describe, expect, it } from "vitest";
import { permissionFor, ToolPermissions } from "../../../../src/extension/tools/permissions";
import { Memento } from "../../../fixtures/memento";

describe("Always allow", () => {
  it("allows edit_file as a whole, and run_command only for the exact command line", async () => {
    const state = new Memento();
    const permissions = new ToolPermissions(state);
    expect(permissions.isAllowed("edit_file", { path: "a.ts" })).toBe(false);
    await permissions.allow({ tool: "run_command", command: "npm test" });
    expect(permissions.isAllowed("run_command", { command: "npm test" })).toBe(true);
    // Never a prefix, a pattern, or a neighbour: each of these asks again.
    for (const command of ["npm test; rm -rf ~", "npm test ", "npm tes", "npm test && curl x | sh", "NPM TEST"])
      expect(permissions.isAllowed("run_command", { command }), command).toBe(false);
    expect(permissions.isAllowed("edit_file", {})).toBe(false);
    await permissions.allow({ tool: "edit_file" });
    expect(permissions.isAllowed("edit_file", { path: "anything" })).toBe(true);
    // Tools of other extensions can never be always allowed.
    expect(permissionFor("ext_some_tool", {})).toBeUndefined();
    expect(permissions.isAllowed("ext_some_tool", {})).toBe(false);
  });

  it("is kept in the workspace's state (a new instance reads it), listed, removed one by one and cleared", async () => {
    const state = new Memento();
    const first = new ToolPermissions(state);
    let changes = 0;
    first.onDidChange(() => changes++);
    await first.allow({ tool: "run_command", command: "make" });
    await first.allow({ tool: "run_command", command: "make" });
    await first.allow({ tool: "edit_file" });
    const again = new ToolPermissions(state);
    expect(again.list()).toEqual([{ tool: "run_command", command: "make" }, { tool: "edit_file" }]);
    await first.remove({ tool: "run_command", command: "make" });
    expect(again.list()).toEqual([{ tool: "edit_file" }]);
    await first.clear();
    expect(again.list()).toEqual([]);
    expect(changes).toBe(4);
  });

  it("ignores malformed stored entries instead of failing", () => {
    const state = new Memento();
    state.data.set("skein.tools.alwaysAllow", [{ tool: "run_command" }, "x", null, { tool: "edit_file" }]);
    expect(new ToolPermissions(state).list()).toEqual([{ tool: "edit_file" }]);
    state.data.set("skein.tools.alwaysAllow", { not: "a list" });
    expect(new ToolPermissions(state).list()).toEqual([]);
  });
});
