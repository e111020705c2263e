import type { BaseCheckpointSaver, CheckpointTuple } from "../../../src/checkpoint";
import { Annotation } from "../../../src/graph";

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Every checkpoint of a thread, oldest first. */
export async function history(saver: BaseCheckpointSaver, thread_id: string): Promise<CheckpointTuple[]> {
  return (await collect(saver.list({ configurable: { thread_id } }))).reverse();
}

/** A log key that concatenates, plus a last-value key. */
export const LogState = Annotation.Root({
  log: Annotation<string[], string | string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  value: Annotation<string>(),
});
