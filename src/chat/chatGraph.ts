/**
 * The graph Skein runs for a chat thread (LangGraph's canonical ReAct shape):
 *
 *   START → call_model ─┬─ tool calls → tools (one task per call) → call_model
 *                       ├─ over maxRounds → round_limit → END
 *                       └─ otherwise  → END
 *
 *   const graph = createChatGraph({ model, checkpointer, systemPrompt, context: { maxMessages: 10 } });
 *   await graph.invoke({ messages: [{ role: "user", content: "hi! I'm bob" }] }, { configurable: { thread_id: "1" } });
 *   for await (const [chunk, meta] of await graph.stream(input, { ...config, streamMode: "messages" })) …
 *   await graph.invoke(null, config);   // retry a failed turn
 *   graph.invoke(input, { ...config, signal })   // abort → the partial reply is kept, metadata.interrupted
 *
 * No `vscode` import: the extension passes settings and the key in.
 */
import { END, MessagesAnnotation, START, StateGraph } from "../graph";
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { ChatModel } from "../model/types";
import type { ContextOptions } from "./contextWindow";
import { createCallModelNode } from "./callModel";
import type { ChatTool } from "./tools";
import { createRoundLimitNode, createToolCallNode, routeToolCalls } from "./tools/toolCallNode";
import type { ToolRuns } from "./tools/toolRuns";
import { keepCancelledReplies, PartialReplies } from "./partialReplies";
import type { RunnableConfig } from "../graph/types";

export interface ChatGraphOptions {
  model: ChatModel;
  checkpointer: BaseCheckpointSaver;
  systemPrompt?: string;
  /** What is sent to the model; the stored thread is never trimmed. Default: fit the model's window. */
  context?: ContextOptions;
  /** Tools offered to the model (default none). */
  tools?: readonly ChatTool[];
  /** Model ⇄ tool rounds per turn before the turn stops with a note (default 25). */
  maxRounds?: number;
  /** Tool result text longer than this is cut. */
  maxResultChars?: number;
  /** Where running tool calls are tracked so Stop can store their "stopped" results. */
  toolRuns?: ToolRuns;
}

export function createChatGraph(options: ChatGraphOptions) {
  const partials = new PartialReplies();
  const deps = {
    model: options.model,
    checkpointer: options.checkpointer,
    systemPrompt: options.systemPrompt,
    context: options.context,
    tools: options.tools ?? [],
    partials,
  };
  const maxRounds = Math.max(1, Math.floor(options.maxRounds ?? 25));
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("call_model", createCallModelNode(deps))
    .addNode(
      "tools",
      createToolCallNode({
        tools: deps.tools,
        runs: options.toolRuns,
        maxResultChars: options.maxResultChars,
      }) as never,
    )
    .addNode("round_limit", createRoundLimitNode(maxRounds))
    .addEdge(START, "call_model")
    .addConditionalEdges("call_model", routeToolCalls(maxRounds), ["tools", "round_limit", END])
    .addEdge("tools", "call_model")
    .addEdge("round_limit", END)
    .compile({ checkpointer: options.checkpointer });
  // The runtime defaults to "async" (LangGraph); a chat turn saves each checkpoint before the next step, so a
  // message is on disk before it is acknowledged and a crash mid-turn loses at most the step that was running.
  syncByDefault(graph);
  // A cancelled turn (signal, or breaking out of stream) keeps its partial reply, marked interrupted.
  return keepCancelledReplies(graph, partials, options.checkpointer);
}

export type ChatGraph = ReturnType<typeof createChatGraph>;

/** Runs of the chat graph use durability "sync" unless the caller says otherwise. */
function syncByDefault(graph: {
  invoke: (input: any, config?: any) => Promise<any>;
  stream: (input: any, config?: any) => Promise<any>;
}): void {
  const invoke = graph.invoke.bind(graph);
  const stream = graph.stream.bind(graph);
  graph.invoke = (input: unknown, config?: RunnableConfig) => invoke(input, { durability: "sync", ...config });
  graph.stream = (input: unknown, config?: RunnableConfig) => stream(input, { durability: "sync", ...config });
}
