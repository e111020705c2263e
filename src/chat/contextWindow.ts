/**
 * Chooses which stored messages are SENT to the model (the stored thread is never changed). Pure and
 * synchronous apart from the optional exact count, so the rules below are tested directly:
 * - the current turn (the newest user message and everything after it) is always sent;
 * - older messages are added newest first while `maxMessages` and `maxInputTokens` allow, as a contiguous
 *   suffix (no holes), and stop at the first unit that does not fit;
 * - an assistant message with tool calls and its tool results are one unit: never split;
 * - system-role messages in the history are always kept (the system prompt is sent separately and its
 *   tokens are charged to the budget);
 * - the selection starts at a user message (leading assistant/tool units are dropped), like LangChain's
 *   trimMessages({ startOn: "human" }).
 * Default budget: the model's window minus the reply budget minus 10% headroom.
 */
import type { Message } from "../graph/messages";
import type { ChatModel, ToolDefinition } from "../model/types";

export interface ContextOptions {
  /** Send at most this many messages (system-role history messages not counted). */
  maxMessages?: number;
  /** Send at most this many input tokens (estimated; exact when `exactCount` and the model can count). */
  maxInputTokens?: number;
  /** Ask the model's token counter to confirm the estimate (one extra API call per turn). */
  exactCount?: boolean;
}

export interface ContextSelection {
  messages: Message[];
  /** Stored messages not sent. */
  omitted: number;
  estimatedTokens: number;
}

const IMAGE_TOKENS = 1600;
const MESSAGE_OVERHEAD = 4;

/** A rough, tokenizer-free estimate (≈ 4 characters a token), deliberately on the high side. */
export function estimateTokens(message: Message): number {
  let chars = 0;
  let extra = MESSAGE_OVERHEAD;
  if (typeof message.content === "string") chars += message.content.length;
  else
    for (const block of message.content) {
      if (block.type === "text") chars += String((block as { text?: unknown }).text ?? "").length;
      else if (block.type === "image") extra += IMAGE_TOKENS;
      else chars += JSON.stringify(block).length;
    }
  if (message.tool_calls?.length) chars += JSON.stringify(message.tool_calls).length;
  return extra + Math.ceil(chars / 3.5);
}

function estimateTextTokens(text: string | undefined): number {
  return text ? Math.ceil(text.length / 3.5) : 0;
}

function estimateToolTokens(tools: readonly ToolDefinition[] | undefined): number {
  return tools?.length ? Math.ceil(JSON.stringify(tools).length / 3.5) : 0;
}

/** Index ranges [start, end) of atomic units: a tool-calling assistant message plus its results. */
export function units(history: readonly Message[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < history.length) {
    const start = i;
    i++;
    if (history[start].role === "assistant" && history[start].tool_calls?.length) {
      while (i < history.length && history[i].role === "tool") i++;
    }
    out.push([start, i]);
  }
  return out;
}

export function defaultMaxInputTokens(model: Pick<ChatModel, "contextWindow" | "maxTokens">): number {
  return Math.max(1024, Math.floor(model.contextWindow * 0.9) - model.maxTokens);
}

export interface SelectOptions {
  maxMessages?: number;
  maxInputTokens?: number;
  /** Tokens already committed outside the messages (system prompt, tool definitions). */
  fixedTokens?: number;
  estimate?: (message: Message) => number;
}

export function selectContext(history: readonly Message[], options: SelectOptions = {}): ContextSelection {
  const estimate = options.estimate ?? estimateTokens;
  const maxMessages = options.maxMessages ?? Infinity;
  const maxTokens = options.maxInputTokens ?? Infinity;
  const all = units(history);
  const isSystem = (m: Message) => m.role === "system";
  const cost = history.map((m) => estimate(m));

  // The current turn: from the newest user message (not a tool result) to the end.
  let lastUser = -1;
  for (let k = history.length - 1; k >= 0; k--)
    if (history[k].role === "user") {
      lastUser = k;
      break;
    }
  let firstUnit = all.length;
  for (let u = all.length - 1; u >= 0; u--) {
    if (all[u][0] >= Math.max(0, lastUser)) firstUnit = u;
    else break;
  }
  if (lastUser < 0) firstUnit = Math.max(0, all.length - 1);

  let tokens = options.fixedTokens ?? 0;
  let count = 0;
  for (let k = 0; k < history.length; k++) if (isSystem(history[k])) tokens += cost[k];
  for (let u = firstUnit; u < all.length; u++)
    for (let k = all[u][0]; k < all[u][1]; k++) if (!isSystem(history[k])) ((tokens += cost[k]), count++);

  let start = firstUnit;
  for (let u = firstUnit - 1; u >= 0; u--) {
    let unitTokens = 0;
    let unitCount = 0;
    for (let k = all[u][0]; k < all[u][1]; k++) if (!isSystem(history[k])) ((unitTokens += cost[k]), unitCount++);
    if (count + unitCount > maxMessages || tokens + unitTokens > maxTokens) break;
    tokens += unitTokens;
    count += unitCount;
    start = u;
  }
  // Start on a user message: a reply without its question confuses the model.
  while (start < firstUnit && history[all[start][0]].role !== "user") {
    for (let k = all[start][0]; k < all[start][1]; k++) if (!isSystem(history[k])) tokens -= cost[k];
    start++;
  }
  const from = all.length ? (all[start]?.[0] ?? history.length) : 0;
  const messages = [...history.slice(0, from).filter(isSystem), ...history.slice(from)];
  return { messages, omitted: history.length - messages.length, estimatedTokens: tokens };
}

/**
 * `selectContext` with the model's defaults, optionally confirmed by the provider's exact count: when the
 * exact count is over budget the estimate is scaled by the observed ratio and the selection redone (twice at most).
 */
export async function fitContext(
  history: readonly Message[],
  model: ChatModel,
  options: ContextOptions & { system?: string; tools?: ToolDefinition[] } = {},
): Promise<ContextSelection> {
  const maxInputTokens = options.maxInputTokens ?? defaultMaxInputTokens(model);
  const fixedTokens = estimateTextTokens(options.system) + estimateToolTokens(options.tools);
  let scale = 1;
  let selection = selectContext(history, { maxMessages: options.maxMessages, maxInputTokens, fixedTokens });
  if (!options.exactCount || !model.countTokens) return selection;
  for (let round = 0; round < 2; round++) {
    const exact = await model.countTokens(selection.messages, { system: options.system, tools: options.tools });
    if (exact <= maxInputTokens || selection.omitted === history.length - 1) return selection;
    scale *= (exact / Math.max(1, selection.estimatedTokens)) * 1.05;
    const factor = scale;
    selection = selectContext(history, {
      maxMessages: options.maxMessages,
      maxInputTokens,
      fixedTokens: fixedTokens * factor,
      estimate: (m) => estimateTokens(m) * factor,
    });
  }
  return selection;
}
