/**
 * The two graphs a thread service runs over one store: the chat graph a turn runs (built from the settings read
 * at the turn's start — model, system prompt, context options, tools — and reused while they stay the same), and
 * the history graph, which reads and rewires the checkpoint tree (switching, forking, import, export) without a
 * model, so those work without a key or settings.
 */
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { ChatModel, ModelEvent } from "../model/types";
import { createChatGraph, type ChatGraph } from "./chatGraph";
import type { ContextOptions } from "./contextWindow";
import type { ChatTool } from "./tools";
import type { ToolRuns } from "./tools/toolRuns";
import { DEFAULT_TOOL_SETTINGS, type ToolSettings, type WorkspaceHost } from "./tools/types";
import { createWorkspaceTools, toolSetKey } from "./tools/workspaceTools";

/** What a turn's chat graph is built from; each function is read again at the start of every turn. */
export interface ChatGraphSettings {
  checkpointer: BaseCheckpointSaver;
  model: ChatModel | (() => ChatModel | Promise<ChatModel>);
  systemPrompt?: string | (() => string | undefined);
  context?: ContextOptions | (() => ContextOptions | undefined);
  tools?: readonly ChatTool[];
  /**
   * The workspace tools (read_file … run_command), read per turn: no host (or `enabled: false`) offers none;
   * an untrusted host offers only the read-only ones. Extra `tools` above are offered too.
   */
  workspace?: {
    host(): WorkspaceHost | undefined;
    settings?(): Partial<ToolSettings> | undefined;
  };
}

/** The chat graph for the current settings; built again only when one of them changed. */
export class TurnGraphs {
  private cached?: { model: ChatModel; system?: string; context: string; tools: string; graph: ChatGraph };

  /** @param toolRuns where running tool calls are tracked, so Stop stores what each produced. */
  constructor(
    private readonly settings: ChatGraphSettings,
    private readonly toolRuns: ToolRuns,
  ) {}

  async current(): Promise<ChatGraph> {
    const options = this.settings;
    const model = typeof options.model === "function" ? await options.model() : options.model;
    const { systemPrompt: sp, context: ctx } = options;
    const system = typeof sp === "function" ? sp() : sp;
    const contextOptions = typeof ctx === "function" ? ctx() : ctx;
    const context = JSON.stringify(contextOptions ?? null);
    const host = options.workspace?.host();
    const settings: ToolSettings = { ...DEFAULT_TOOL_SETTINGS, ...options.workspace?.settings?.() };
    const workspaceTools = host && settings.enabled ? await createWorkspaceTools(host, settings) : [];
    const tools = toolSetKey(host, settings, workspaceTools);
    const cached = this.cached;
    if (
      cached &&
      cached.model === model &&
      cached.system === system &&
      cached.context === context &&
      cached.tools === tools
    )
      return cached.graph;
    const graph = createChatGraph({
      model,
      checkpointer: options.checkpointer,
      systemPrompt: system,
      context: contextOptions,
      tools: [...workspaceTools, ...(options.tools ?? [])],
      maxRounds: settings.maxRounds,
      maxResultChars: settings.limits?.maxResultChars,
      toolRuns: this.toolRuns,
    });
    this.cached = { model, system, context, tools, graph };
    return graph;
  }
}

/** The model of the history graph: switching, forking, importing and exporting never call it. */
const refusingModel: ChatModel = {
  model: "none",
  contextWindow: 1,
  maxTokens: 1,
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<ModelEvent> {
    throw new Error("The history graph never calls the model; turns run through ThreadService.");
  },
};

/** The chat graph's shape over the store, with a model that refuses: it reads state and writes history only. */
export function createHistoryGraph(checkpointer: BaseCheckpointSaver): ChatGraph {
  return createChatGraph({ model: refusingModel, checkpointer });
}
