/**
 * The chat layer as the extension drives it: load a thread's messages, run one turn with token streaming.
 * Loaded lazily by SkeinBackend (it pulls in the graph runtime and, on the first call, the SDK).
 */
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { StoredMessage } from "../graph/messages";
import type { TurnEvent } from "./backend";
import type { SkeinSettings } from "./settings";

export interface RunArgs {
  saver: BaseCheckpointSaver;
  threadId: string;
  /** null = retry / resume the last turn. */
  text: string | null;
  settings: SkeinSettings;
  apiKey: string | undefined;
  signal: AbortSignal;
  onEvent(event: TurnEvent): void;
}

export interface ChatEngine {
  load(saver: BaseCheckpointSaver, threadId: string): Promise<{ messages: StoredMessage[]; interrupted: boolean } | undefined>;
  run(args: RunArgs): Promise<void>;
}

export class GraphChatEngine implements ChatEngine {
  async load(saver: BaseCheckpointSaver, threadId: string) {
    const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    if (!tuple) return undefined;
    const messages = (tuple.checkpoint.channel_values.messages as StoredMessage[] | undefined) ?? [];
    return { messages, interrupted: false };
  }

  async run(_args: RunArgs): Promise<void> {
    throw new Error("The chat layer is not wired yet.");
  }
}
