/**
 * The chat layer as the extension drives it, on engineer C's `ChatThreads` (one per store): load a thread,
 * run one turn with token streaming. Loaded lazily by SkeinBackend, so neither the graph runtime nor the model
 * adapter is evaluated at activation (and the SDK itself loads on the first model call).
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { PlannedRun } from "../../chat/history/branches";
import { ChatThreads, type ChatEvent } from "../../chat/threads";
import { messageText, type StoredMessage } from "../../graph/messages";
import { AnthropicChatModel } from "../../model/anthropic";
import type { ChatModel } from "../../model/types";
import type { CodedError, TurnEvent } from "./backend";
import type { SkeinSettings } from "../settings/settings";
import { TurnRejectedError } from "../chat/turnErrors";

export interface RunArgs {
  saver: BaseCheckpointSaver;
  threadId: string;
  /** null = retry / resume the last turn. */
  text: string | null;
  settings: SkeinSettings;
  apiKey: string | undefined;
  signal: AbortSignal;
  onEvent(event: TurnEvent): void;
  /** A turn from an earlier checkpoint (edit / regenerate, issue 7): planned by src/chat/history/branches.ts; `text` is ignored. */
  plan?: () => Promise<PlannedRun>;
}

export interface LoadedState {
  messages: StoredMessage[];
  /** The last turn did not finish: a reply never arrived, was cut off, or failed. */
  interrupted: boolean;
  /** The recorded failure of the last turn (survives reload). */
  error?: CodedError;
}

export interface ChatEngine {
  load(saver: BaseCheckpointSaver, threadId: string, settings: SkeinSettings, apiKey: string | undefined): Promise<LoadedState | undefined>;
  run(args: RunArgs): Promise<void>;
}

/** A local server behind `skein.baseUrl` may need no key; the SDK still wants one to send. */
const NO_KEY_PLACEHOLDER = "skein-no-key";

export class GraphChatEngine implements ChatEngine {
  /** One service per store; rebuilt when settings that shape the graph change. */
  private readonly services = new WeakMap<BaseCheckpointSaver, { signature: string; threads: ChatThreads }>();
  private model: { signature: string; model: ChatModel } | undefined;
  private current: { settings: SkeinSettings; apiKey: string | undefined } | undefined;

  private modelFor(settings: SkeinSettings, apiKey: string | undefined): ChatModel {
    const key = apiKey ?? (settings.baseUrl ? NO_KEY_PLACEHOLDER : undefined);
    const signature = JSON.stringify([settings.model, settings.baseUrl, settings.maxTokens, settings.requestTimeoutSeconds, key]);
    if (this.model?.signature !== signature) {
      this.model = {
        signature,
        model: new AnthropicChatModel({
          apiKey: key,
          baseURL: settings.baseUrl,
          model: settings.model,
          maxTokens: settings.maxTokens,
          idleTimeoutMs: settings.requestTimeoutSeconds * 1000,
          // One deadline for the whole wait until the reply starts (retries included), as the setting says.
          requestTimeoutMs: settings.requestTimeoutSeconds * 1000,
        }),
      };
    }
    return this.model.model;
  }

  private threads(saver: BaseCheckpointSaver, settings: SkeinSettings, apiKey: string | undefined): ChatThreads {
    this.current = { settings, apiKey };
    const signature = JSON.stringify(settings.context);
    let entry = this.services.get(saver);
    if (!entry || entry.signature !== signature) {
      entry = {
        signature,
        threads: new ChatThreads({
          checkpointer: saver,
          // Resolved per turn, so a new key or model setting applies to the next turn without a restart.
          model: () => this.modelFor(this.current!.settings, this.current!.apiKey),
          systemPrompt: () => this.current?.settings.systemPrompt,
          context: settings.context,
        }),
      };
      this.services.set(saver, entry);
    }
    return entry.threads;
  }

  async load(saver: BaseCheckpointSaver, threadId: string, settings: SkeinSettings, apiKey: string | undefined): Promise<LoadedState | undefined> {
    const threads = this.threads(saver, settings, apiKey);
    // Fast path for the common case — the last turn finished: the head checkpoint's messages are the thread, and
    // reading them is one store read (~ms at 1,000 turns), where a full getState rebuilds every channel.
    const head = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    const stored = head?.checkpoint.channel_values.messages;
    if (head && Array.isArray(stored) && (head.pendingWrites?.length ?? 0) === 0 && !threads.isRunning(threadId)) {
      const last = stored.at(-1) as StoredMessage | undefined;
      // A reply cut off (Stop, or the window closed mid-stream) is kept marked interrupted: offer Retry.
      if (last?.role === "assistant" && !last.tool_calls?.length) return { messages: stored as StoredMessage[], interrupted: last.metadata?.interrupted === true };
    }
    // Otherwise (unanswered, failed, pending writes) ask the chat layer for the full truth and the recorded failure.
    const [messages, status] = await Promise.all([threads.getMessages(threadId), threads.getStatus(threadId)]);
    if (messages.length === 0 && !status.error) return undefined;
    const last = messages.at(-1);
    // A finished turn always ends with an assistant reply; a user/tool message last means the reply never came.
    const unanswered = last !== undefined && (last.role === "user" || last.role === "tool");
    return {
      messages,
      interrupted: !status.running && (unanswered || Boolean(status.error) || last?.metadata?.interrupted === true),
      error: status.error && !status.running ? { name: status.error.name, message: status.error.message, code: status.error.code } : undefined,
    };
  }

  async run(args: RunArgs): Promise<void> {
    // A base URL that is set but unusable refuses the turn: falling back to the default API would send the
    // conversation and the key to Anthropic when the user meant a local server.
    if (args.settings.baseUrlError) throw new TurnRejectedError(args.settings.baseUrlError, args.plan ? undefined : (args.text ?? undefined));
    const threads = this.threads(args.saver, args.settings, args.apiKey);
    const options = {
      signal: args.signal,
      onEvent: (event: ChatEvent) => {
        if (event.type === "token") args.onEvent({ type: "token", messageId: event.messageId, text: event.text });
        else if (event.type === "message") args.onEvent({ type: "message", message: event.message });
        else if (event.type === "title") args.onEvent({ type: "title", title: event.title });
        // tool_call deltas are not shown while streaming; the stored assistant message carries the calls.
      },
    };
    const result = args.plan
      ? await threads.runPlanned(args.threadId, args.plan, options)
      : args.text === null
        ? await threads.retry(args.threadId, options)
        : await threads.sendMessage(args.threadId, args.text, options);
    if (result.status === "failed") throw result.error ?? new Error("The turn failed.");
    // Nothing of the turn was stored (another window holds the thread, the store failed first): the caller gets
    // the text back for the draft instead of a silent success.
    if (result.status === "rejected") {
      const unsent = result.unsent?.map((m) => messageText(m as StoredMessage)).join("\n\n");
      throw new TurnRejectedError(result.error ?? new Error("The message was not sent."), unsent || undefined);
    }
  }
}
