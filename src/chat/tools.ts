/**
 * Tools the chat graph can offer the model. A tool's failure becomes an error tool result the model sees
 * (`is_error: true`), never an exception that breaks the thread. The built-ins are harmless (no I/O) and
 * exist for tests and demos; which tools the extension exposes is decided there.
 */
import type { ToolDefinition } from "../model/types";

export interface ChatTool {
  definition: ToolDefinition;
  /** Returns the result text (or any JSON value, which is stringified). Throwing → an error result. */
  run(args: Record<string, unknown>, context: { signal?: AbortSignal }): unknown | Promise<unknown>;
}

export const getTimeTool: ChatTool = {
  definition: {
    name: "get_time",
    description: "Returns the current date and time (ISO 8601, UTC).",
    input_schema: { type: "object", properties: {} },
  },
  run: () => new Date().toISOString(),
};

export const addTool: ChatTool = {
  definition: {
    name: "add",
    description: "Adds two numbers.",
    input_schema: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    },
  },
  run: (args) => {
    const { a, b } = args;
    if (typeof a !== "number" || typeof b !== "number")
      throw new Error(`add needs two numbers, got a=${JSON.stringify(a)} b=${JSON.stringify(b)}`);
    return String(a + b);
  },
};
