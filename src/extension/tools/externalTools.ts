/**
 * Tools other extensions and MCP servers contribute (`vscode.lm.tools`), offered to the model only when the user
 * opts in with `skein.tools.external`. Every call asks first (the engine treats them as changing tools); their
 * names are prefixed so one can never shadow a built-in tool.
 */
import * as vscode from "vscode";
import type { ExternalTool } from "../../chat/tools/types";

/** Anthropic tool names: letters, digits, `_` and `-`, at most 64 characters. */
const NAME_LIMIT = 64;
export const EXTERNAL_PREFIX = "ext_";

export function externalToolName(name: string): string {
  return (EXTERNAL_PREFIX + name.replace(/[^A-Za-z0-9_-]/g, "_")).slice(0, NAME_LIMIT);
}

export function externalTools(): ExternalTool[] {
  const lm = (vscode as { lm?: typeof vscode.lm }).lm;
  const tools = lm?.tools ?? [];
  return tools.map((info) => ({
    definition: {
      name: externalToolName(info.name),
      description: `${info.description} (provided by another extension)`.slice(0, 1024),
      input_schema: {
        properties: {},
        ...(info.inputSchema as Record<string, unknown> | undefined),
        type: "object",
      },
    },
    invoke: async (args, options) => {
      const source = new vscode.CancellationTokenSource();
      const onAbort = () => source.cancel();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        const result = await vscode.lm.invokeTool(
          info.name,
          { input: args, toolInvocationToken: undefined },
          source.token,
        );
        return result.content
          .map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : JSON.stringify(part)))
          .join("\n");
      } finally {
        options.signal?.removeEventListener("abort", onAbort);
        source.dispose();
      }
    },
  }));
}
