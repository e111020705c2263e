/**
 * The chat graph's model node: `call_model` streams one model turn (its tool calls are answered by
 * tools/toolCallNode.ts). No failure leaves the thread unusable: the history sent is repaired first
 * (repair.ts), and a cancelled reply is kept as an interrupted message.
 */
import { v4 as uuid4 } from "uuid";
import type { Message } from "../graph/messages";
import type { NodeConfig } from "../graph/types";
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { ChatModel, ToolDefinition } from "../model/types";
import { IncompleteStreamError, ModelError } from "../model/errors";
import { fitContext, selectContext } from "./contextWindow";

/** The API's wording when the input exceeds the model's window. */
const PROMPT_TOO_LONG =
  /prompt is too long|too many (input )?tokens|exceeds? the (model's )?(maximum )?context|context (window|length)/i;
import type { ContextOptions } from "./contextWindow";
import { repairHistory } from "./repair";
import { CATALOG_KEYS, updateCatalog } from "./catalog";
import { firstUserText, titleFromText } from "./titles";
import type { ChatTool } from "./tools";
import { interruptedMessage, type PartialReplies } from "./partialReplies";

export interface ChatNodeDeps {
  model: ChatModel;
  checkpointer?: BaseCheckpointSaver;
  systemPrompt?: string;
  context?: ContextOptions;
  tools: readonly ChatTool[];
  /**
   * Where a cancelled reply is handed over: the runtime drops an aborted step's writes, so partialReplies.ts
   * stores it after the run.
   */
  partials?: PartialReplies;
}

interface ChatState {
  messages: Message[];
}

function threadIdOf(config: NodeConfig): string | undefined {
  const id = config.configurable?.thread_id;
  return typeof id === "string" ? id : undefined;
}

/** Titles the thread from its first user message unless it already has a title (the user's wins); returns a new title. */
export async function ensureTitle(
  checkpointer: BaseCheckpointSaver | undefined,
  threadId: string | undefined,
  history: readonly Message[],
): Promise<string | undefined> {
  if (!checkpointer || !threadId) return undefined;
  const text = firstUserText(history);
  if (!text) return undefined;
  const info = await checkpointer.getThreadInfo(threadId);
  if (info?.title) return undefined;
  const title = titleFromText(text);
  await checkpointer.setThreadInfo(threadId, { title, metadata: { [CATALOG_KEYS.titleSource]: "first-message" } });
  return title;
}

export function createCallModelNode(deps: ChatNodeDeps) {
  const toolDefs: ToolDefinition[] | undefined = deps.tools.length ? deps.tools.map((t) => t.definition) : undefined;
  return async (state: ChatState, config: NodeConfig): Promise<{ messages: Message[] }> => {
    const threadId = threadIdOf(config);
    const history = state.messages ?? [];
    await ensureTitle(deps.checkpointer, threadId, history);

    let selection = await fitContext(history, deps.model, {
      ...deps.context,
      system: deps.systemPrompt,
      tools: toolDefs,
    });
    // The id is fixed before the first token so streamed chunks and the stored message share it.
    const id = uuid4();
    let final: Message | undefined;
    let cancelled: Message | undefined;
    // What was streamed so far: what is kept when a stopped model call carries no partial of its own.
    let streamed = "";
    const seen = (): Message | undefined =>
      streamed
        ? interruptedMessage(
            { role: "assistant", content: streamed, metadata: { createdAt: new Date().toISOString() } },
            id,
          )
        : undefined;
    const settle = threadId && deps.partials ? deps.partials.begin(threadId) : undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        const { messages: toSend } = repairHistory(selection.messages);
        try {
          for await (const event of deps.model.stream(toSend, {
            system: deps.systemPrompt,
            tools: toolDefs,
            signal: config.signal,
          })) {
            if (event.type === "text") {
              streamed += event.text;
              config.emitMessageChunk({ id, role: "assistant", content: event.text });
            } else if (event.type === "tool_call_delta") {
              config.emitMessageChunk({
                id,
                role: "assistant",
                content: "",
                tool_call_chunk: { index: event.index, id: event.id, name: event.name, args: event.argsDelta },
              });
            } else if (event.type === "message") final = event.message;
          }
          break;
        } catch (error) {
          // The estimate was too low for this model: send half as much once, rather than fail the turn.
          const tooLong =
            error instanceof ModelError &&
            error.code === "INVALID_REQUEST" &&
            PROMPT_TOO_LONG.test(error.apiMessage ?? "");
          if (!tooLong || attempt > 0 || selection.messages.length <= 1) throw error;
          selection = selectContext(history, {
            maxMessages: deps.context?.maxMessages,
            maxInputTokens: Math.floor(selection.estimatedTokens / 2),
          });
        }
      }
    } catch (error) {
      if (error instanceof ModelError && error.code === "CANCELLED") {
        // Stop keeps what the user already saw (stored by partialReplies.ts: this return is dropped by the runtime).
        cancelled = error.partial ? interruptedMessage(error.partial, id) : seen();
        return { messages: cancelled ? [cancelled] : [] };
      }
      if (error instanceof ModelError && error.partial) error.partial = { ...error.partial, id };
      // The run was stopped while the model call failed some other way: what the user saw is still kept.
      if (config.signal?.aborted) cancelled = seen();
      throw error;
    } finally {
      settle?.(cancelled);
    }
    if (!final)
      throw new IncompleteStreamError("The model stream ended without a message.", "INCOMPLETE_STREAM", {
        retryable: true,
      });
    const message: Message = {
      ...final,
      id,
      metadata: { ...final.metadata, ...(selection.omitted ? { omittedMessages: selection.omitted } : {}) },
    };
    await updateCatalog(deps.checkpointer, threadId, history.length + 1, message, {
      [CATALOG_KEYS.lastModel]: message.metadata?.model,
    });
    return { messages: [message] };
  };
}
