/** The workspace tools as the model sees them: names, descriptions and JSON Schema inputs. */
import type { ToolDefinition } from "../../model/types";
import type { WorkspaceToolName } from "./types";

const PATH_NOTE =
  "Paths are relative to the workspace root (in a multi-root workspace they may start with a folder's name); " +
  "paths outside the workspace are refused.";

export const TOOL_DEFINITIONS: Record<WorkspaceToolName, ToolDefinition> = {
  read_file: {
    name: "read_file",
    description:
      "Reads a text file of the workspace, as open in the editor (unsaved changes included). Returns numbered lines. " +
      "Use start_line/end_line (1-based, inclusive) for part of a large file. " +
      PATH_NOTE,
    input_schema: {
      type: "object",
      properties: {
        path: { type: "string", description: "Workspace-relative file path." },
        start_line: { type: "integer", minimum: 1, description: "First line to read (1-based)." },
        end_line: { type: "integer", minimum: 1, description: "Last line to read (inclusive)." },
      },
      required: ["path"],
    },
  },
  list_files: {
    name: "list_files",
    description:
      "Lists files under a workspace folder (recursively), skipping .git and node_modules. " +
      "Filter with a glob such as **/*.ts. " +
      PATH_NOTE,
    input_schema: {
      type: "object",
      properties: {
        path: { type: "string", description: "Workspace-relative folder (default: the workspace root)." },
        glob: { type: "string", description: "Glob the relative file paths must match, e.g. src/**/*.ts." },
      },
    },
  },
  search_workspace: {
    name: "search_workspace",
    description:
      "Searches the text of the workspace's files (respecting .gitignore) and returns matching lines as " +
      "path:line: text. The query is literal unless is_regex is true.",
    input_schema: {
      type: "object",
      properties: {
        query: { type: "string", description: "Text (or regular expression) to find." },
        glob: { type: "string", description: "Only files whose relative path matches this glob, e.g. **/*.ts." },
        is_regex: { type: "boolean", description: "Treat query as a regular expression (default false)." },
      },
      required: ["query"],
    },
  },
  get_diagnostics: {
    name: "get_diagnostics",
    description:
      "Returns the editor's problems (errors, warnings) for one file, or for the whole workspace without a path. " +
      PATH_NOTE,
    input_schema: {
      type: "object",
      properties: { path: { type: "string", description: "Workspace-relative file path (optional)." } },
    },
  },
  edit_file: {
    name: "edit_file",
    description:
      "Changes a file by replacing exactly one occurrence of old_text with new_text (include enough surrounding " +
      'lines to make old_text unique). With old_text "" it creates a new file holding new_text. The user ' +
      "approves each edit. " +
      PATH_NOTE,
    input_schema: {
      type: "object",
      properties: {
        path: { type: "string", description: "Workspace-relative file path." },
        old_text: { type: "string", description: 'Exact text to replace (must occur once); "" creates the file.' },
        new_text: { type: "string", description: "Replacement text." },
      },
      required: ["path", "old_text", "new_text"],
    },
  },
  run_command: {
    name: "run_command",
    description:
      "Runs a shell command in the workspace and returns its exit code and combined output (capped, with a " +
      "timeout). The user approves each command. Do not start long-running servers or watchers.",
    input_schema: {
      type: "object",
      properties: {
        command: { type: "string", description: "The command line, run by the system shell." },
        cwd: { type: "string", description: "Workspace-relative working directory (default: the workspace root)." },
      },
      required: ["command"],
    },
  },
};
