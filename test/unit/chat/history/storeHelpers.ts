/** Writes thread heads straight through the saver contract, for tests that need a store but no graph. */
import type { BaseCheckpointSaver } from "../../../../src/checkpoint/base";
import type { StoredMessage } from "../../../../src/graph/messages";

let counter = 0;

/** Time-ordered ids, unique within the process (what the contract asks of checkpoint ids). */
export function nextCheckpointId(): string {
  counter++;
  return `1f0${Date.now().toString(16).padStart(12, "0")}-${counter.toString(16).padStart(8, "0")}`;
}

/** Stores `messages` as the thread's new head checkpoint (child of the current head). */
export async function putMessages(
  saver: BaseCheckpointSaver,
  threadId: string,
  messages: StoredMessage[],
): Promise<string> {
  const head = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
  const version = (head?.checkpoint.channel_versions.messages ?? 0) + 1;
  const id = nextCheckpointId();
  await saver.put(
    {
      configurable: { thread_id: threadId, checkpoint_ns: "", ...(head ? { checkpoint_id: head.checkpoint.id } : {}) },
    },
    {
      v: 4,
      id,
      ts: new Date().toISOString(),
      channel_values: { messages },
      channel_versions: { messages: version },
      versions_seen: {},
    },
    { source: "loop", step: version, parents: {} },
    { messages: version },
  );
  return id;
}

export function user(id: string, content: string): StoredMessage {
  return { id, role: "user", content };
}

export function assistant(id: string, content: string): StoredMessage {
  return { id, role: "assistant", content };
}

/** Resolves once the clock has moved past now: catalog times have millisecond resolution. */
export async function clockTick(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setImmediate(resolve));
}
