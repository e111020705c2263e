/**
 * Skein's graph runtime: LangGraph's vocabulary and persistence semantics, no LangGraph dependency.
 *
 * ```ts
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode("call_model", async (state, config) => ({ messages: [{ role: "assistant", content: "hi" }] }))
 *   .addEdge(START, "call_model")
 *   .addEdge("call_model", END)
 *   .compile({ checkpointer: new MemorySaver() });
 * await graph.invoke({ messages: [{ role: "user", content: "hi! I'm bob" }] }, { configurable: { thread_id: "1" } });
 * ```
 *
 * ## What a node receives (`NodeConfig`)
 * `(state, config) => update | Command | void` (sync or async). `config` is the run's config (including any
 * extra keys the caller passed) plus:
 * - `config.signal` — aborted when the caller aborts or a sibling task fails; pass it to the model call.
 * - `config.writer(chunk)` — `custom` stream mode: `chunk` is streamed as it is.
 * - `config.emitMessageChunk({ id, role: "assistant", content: "<delta>", ...extra })` — `messages` stream mode:
 *   streams one token chunk as `[chunk, { langgraph_node, langgraph_step, langgraph_task_id, thread_id,
 *   message_id: chunk.id, ... }]`. Use the id the finished message will carry (set `id` on the message you
 *   return), so the UI can merge the chunks and later the stored message; such a message is then not streamed
 *   again as a whole. Messages a node returns without streaming are emitted whole once the node finishes.
 *   A no-op when nobody streams `messages`, so nodes can always call it.
 * - `config.metadata` — `langgraph_node`, `langgraph_step`, `langgraph_triggers`, `langgraph_task_id`.
 *
 * ## Runs
 * - A run with a checkpointer needs `configurable.thread_id` (MissingThreadIdError) and holds the thread's lock
 *   until it ends: a concurrent run or updateState on the same thread gets `ThreadBusyError` (code THREAD_BUSY).
 * - `config.signal` aborts promptly with `GraphAbortError` (name "AbortError", code ABORTED); the thread stays
 *   resumable: `invoke(null, config)` re-runs the unfinished tasks.
 * - A failed node rethrows its error; `getState().next` names it, `tasks[i].error` holds `{ message, name }`,
 *   `invoke(null, config)` re-runs only that task.
 * - `durability`: "async" (default, as LangGraph) saves each checkpoint in the background while the next step
 *   runs, all awaited before invoke/stream resolves; "sync" saves each checkpoint before the next step starts
 *   (Skein's chat graph uses it: a message is on disk before it is acknowledged); "exit" only once at the end.
 * - `stream()` with a list of modes yields `[mode, chunk]`; interrupts show up in `updates` as
 *   `{ __interrupt__: [{ id, value }] }` and in `invoke`'s result as `__interrupt__`.
 */
export { Annotation, AnnotationRoot, ChannelAnnotation } from "./annotation";
export type { StateDefinition, StateType, UpdateType, ReducerOptions } from "./annotation";
export { StateGraph } from "./stateGraph";
export type {
  CompileOptions,
  CompiledStateGraph,
  NodeFunction,
  RouterFunction,
  StateGraphConstructor,
  StateGraphInit,
  StateSchema,
} from "./stateGraph";
export { DrawableGraph } from "./drawing";
export type { DrawableEdge, DrawableNode, MermaidOptions } from "./drawing";
export type { SubgraphEntry } from "./pregel/subgraphState";
export type { StreamEvent, StreamEventsOptions } from "./pregel/events";
export type { BatchOptions } from "./pregel/runConfig";
export { CompiledGraph } from "./pregel";
export type { InvokeResult, StreamChunk, StreamOutput, StreamOptions } from "./pregel";
export { Command, Overwrite, Send, isCommand, isSend } from "./command";
export type { CommandParams } from "./command";
export { interrupt } from "./pregel/interruptContext";
export { START, END } from "./constants";
export {
  GraphError,
  GraphRecursionError,
  InvalidUpdateError,
  GraphInterrupt,
  EmptyInputError,
  MissingThreadIdError,
  InvalidGraphError,
  GraphAbortError,
  GraphValueError,
  UnreachableNodeError,
  UnsupportedOptionError,
} from "./errors";
export {
  MessagesAnnotation,
  messagesStateReducer,
  removeMessage,
  isRemoveMessage,
  coerceMessage,
  messageText,
  REMOVE_ALL_MESSAGES,
} from "./messages";
export type {
  Message,
  MessageLike,
  MessageRole,
  MessageMetadata,
  StoredMessage,
  ContentBlock,
  TextBlock,
  ImageBlock,
  ToolCall,
  RemoveMessage,
  MessagesUpdate,
} from "./messages";
export type {
  RunnableConfig,
  NodeConfig,
  StreamMode,
  Durability,
  Interrupt,
  MessageChunk,
  MessageStreamMetadata,
  StateSnapshot,
  StateSnapshotTask,
  HistoryOptions,
  DebugChunk,
} from "./types";
