/** The chat layer's public entry (issue-7 modules — branches, search, export — are exported by their owner). */
export { createChatGraph } from "./chatGraph";
export type { ChatGraph, ChatGraphOptions } from "./chatGraph";
export { ChatThreads } from "./threads";
export type { ChatEvent, ChatThreadsOptions, ThreadStatus, TurnOptions, TurnResult } from "./threads";
export { selectContext, fitContext, estimateTokens, defaultMaxInputTokens } from "./contextWindow";
export type { ContextOptions, ContextSelection } from "./contextWindow";
export { repairHistory } from "./repair";
export { titleFromText, previewOf } from "./titles";
export { builtinTools, getTimeTool, addTool } from "./tools";
export type { ChatTool } from "./tools";
