/**
 * Tools the chat graph can offer the model. A tool's failure becomes an error tool result the model sees
 * (`is_error: true`), never an exception that breaks the thread. The built-ins are harmless (no I/O) and
 * exist for tests and demos; which tools the extension exposes is decided there.
 */
import type { ToolDefinition } from "../model/types";
import type { ToolApprovalRequest, ToolCallStatus, ToolResultMetadata } from "./tools/types";

export interface ToolRunContext {
  signal?: AbortSignal;
  /** The id of the tool call being answered. */
  toolCallId?: string;
  /** Streams a piece of output while the tool runs (run_command). */
  onOutput?(chunk: string): void;
}

/** The details an approval card shows (the rest of the request — call id, name, args — is filled in by the graph). */
export type ApprovalDetails = Omit<ToolApprovalRequest, "kind" | "toolCallId" | "name" | "args">;

export interface ChatTool {
  definition: ToolDefinition;
  /**
   * For a tool that changes something: whether this call must ask first, and what the card shows. Returns
   * undefined to run without asking (e.g. "Always allow"). Throwing → an error result, nothing asked or run.
   */
  approval?(args: Record<string, unknown>, context: ToolRunContext): Promise<ApprovalDetails | undefined>;
  /** Returns the result text (or any JSON value, which is stringified, or a `ToolOutcome`). Throwing → an error result. */
  run(args: Record<string, unknown>, context: ToolRunContext): unknown | Promise<unknown>;
  /** Called once an approval was answered with "Always allow" (before the call runs). */
  rememberAlways?(args: Record<string, unknown>): void | Promise<void>;
}

/** A tool result with a status other than plain success (timed out, truncated…), and metadata for the chat's row. */
export class ToolOutcome {
  constructor(
    readonly content: string,
    readonly status: ToolCallStatus = "ok",
    readonly metadata: Partial<ToolResultMetadata> = {},
  ) {}
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
