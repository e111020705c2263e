/**
 * A chat turn as the runtime writes it (input checkpoint, the node's writes, loop checkpoint), driven straight
 * at a saver, for tests and child processes that must not depend on the graph runtime.
 */
import { v6 as uuid6 } from "uuid";
import type { BaseCheckpointSaver } from "../../../../src/checkpoint/base";
import type { Checkpoint } from "../../../../src/checkpoint/types";

const WORDS = (
  "the of and to in is you that it he was for on are as with his they at be this from have or by one had not but what all were " +
  "when we there can an your which their said if do will each about how up out them then she many some so these would other into " +
  "has more her two like him see time could no make than first been its who now people my made over did down only way find use may " +
  "water long little very after words called just where most know get through back much before go good new write our used me man " +
  "too any day same right look think also around another came come work three word must because does part even place well such"
).split(" ");

/** Deterministic English-like text (real chat text compresses like this; random bytes would not). */
export function makeText(length: number, seed: number): string {
  let state = seed >>> 0 || 1;
  let out = "";
  while (out.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out += WORDS[state % WORDS.length] + " ";
  }
  return out.slice(0, length);
}

export interface TurnMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
}

/** Runs one turn: user message in, assistant message out. Returns the head checkpoint id. */
export async function simulateTurn(saver: BaseCheckpointSaver, threadId: string, turn: number): Promise<string> {
  const head = await saver.getTuple({ configurable: { thread_id: threadId } });
  const messages = (head?.checkpoint.channel_values.messages as TurnMessage[] | undefined) ?? [];
  const versions = { ...(head?.checkpoint.channel_versions ?? {}) };
  const top = () => Math.max(0, ...Object.values(versions));
  const step = (head?.metadata?.step ?? -2) + 1;
  const user: TurnMessage = { id: uuid6(), role: "user", content: `turn ${turn}: ${makeText(190, turn * 2 + 1)}` };
  const ai: TurnMessage = { id: uuid6(), role: "assistant", content: `reply ${turn}: ${makeText(388, turn * 2 + 2)}` };

  versions.__start__ = top() + 1;
  const input: Checkpoint = {
    v: 4,
    id: uuid6(),
    ts: new Date().toISOString(),
    channel_values: { ...(messages.length ? { messages } : {}), __start__: { messages: [user] } },
    channel_versions: { ...versions },
    versions_seen: { __input__: {} },
  };
  const base = { thread_id: threadId, checkpoint_ns: "", ...(head ? { checkpoint_id: head.checkpoint.id } : {}) };
  let config = await saver.put(
    { configurable: base },
    input,
    { source: "input", step, parents: {} },
    { __start__: versions.__start__ },
  );
  await saver.putWrites(config, [["messages", [user]]], uuid6());

  const v1 = top() + 1;
  versions.messages = v1;
  delete versions.__start__;
  const afterStart: Checkpoint = {
    v: 4,
    id: uuid6(),
    ts: new Date().toISOString(),
    channel_values: { messages: [...messages, user] },
    channel_versions: { ...versions },
    versions_seen: { __input__: {}, __start__: { __start__: v1 - 1 } },
  };
  config = await saver.put(config, afterStart, { source: "loop", step: step + 1, parents: {} }, { messages: v1 });
  await saver.putWrites(config, [["messages", [ai]]], uuid6());

  versions.messages = top() + 1;
  const done: Checkpoint = {
    v: 4,
    id: uuid6(),
    ts: new Date().toISOString(),
    channel_values: { messages: [...messages, user, ai] },
    channel_versions: { ...versions },
    versions_seen: { __input__: {}, __start__: { __start__: v1 - 1 }, call_model: { messages: v1 } },
  };
  config = await saver.put(
    config,
    done,
    { source: "loop", step: step + 2, parents: {} },
    { messages: versions.messages },
  );
  return done.id;
}
