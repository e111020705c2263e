/**
 * Reading one Messages API response stream: each server-sent event is folded into the reply so far (blocks,
 * head, size) and turned into the events the caller sees (text, tool-call deltas). The reply is capped in
 * size: past `maxReplyChars` the rest is not received and the reply ends with a note.
 */
import type { Message } from "../graph/messages";
import { MAX_NESTING_DEPTH, formatBytes, nestsDeeperThan } from "../checkpoint/limits";
import { fromWireMessage, type WireBlock } from "./convert";
import type { ModelEvent } from "./types";

interface BlockState {
  block: WireBlock;
  json: string;
  /** content_block_stop arrived. */
  done?: boolean;
}

/** The reply as far as one attempt received it. */
export interface Progress {
  /** Something reached the caller (an overload then is no longer retried). */
  delivered: boolean;
  blocks: BlockState[];
  head: Record<string, unknown>;
  /** Characters received so far (text, thinking, tool arguments). */
  size: number;
}

export function newProgress(): Progress {
  return { delivered: false, blocks: [], head: {}, size: 0 };
}

/**
 * Folds one stream event into `progress`, yielding what the caller sees of it. Returns "stop" for
 * `message_stop`, and "capped" when the size cap cut into the event (the caller stops reading and ends the
 * reply with `endCapped`).
 */
export function* readEvent(
  event: Record<string, any>,
  progress: Progress,
  maxReplyChars: number,
): Generator<ModelEvent, "stop" | "capped" | undefined> {
  let capped = false;
  switch (event.type) {
    case "message_start":
      Object.assign(progress.head, event.message);
      break;
    case "content_block_start": {
      const block = { ...event.content_block } as WireBlock;
      progress.blocks[event.index] = { block, json: "" };
      if (block.type === "tool_use") {
        progress.delivered = true;
        yield {
          type: "tool_call_delta",
          index: toolIndex(progress.blocks, event.index),
          id: String(block.id),
          name: String(block.name),
        };
      }
      break;
    }
    case "content_block_delta": {
      const state = progress.blocks[event.index];
      if (!state) break;
      const delta = event.delta;
      if (delta.type === "text_delta") {
        const text = fit(progress, String(delta.text ?? ""), maxReplyChars);
        capped = text.length < String(delta.text ?? "").length;
        state.block.text = String(state.block.text ?? "") + text;
        progress.delivered = true;
        if (text) yield { type: "text", text };
      } else if (delta.type === "input_json_delta") {
        const json = String(delta.partial_json ?? "");
        // Half a tool call's arguments cannot be run: it is dropped when the cap cuts into it.
        if (fit(progress, json, maxReplyChars).length < json.length) capped = true;
        else {
          state.json += json;
          if (json) yield { type: "tool_call_delta", index: toolIndex(progress.blocks, event.index), argsDelta: json };
        }
      } else if (delta.type === "thinking_delta") {
        const thinking = fit(progress, String(delta.thinking ?? ""), maxReplyChars);
        capped = thinking.length < String(delta.thinking ?? "").length;
        state.block.thinking = String(state.block.thinking ?? "") + thinking;
      } else if (delta.type === "signature_delta") {
        state.block.signature = delta.signature;
      }
      break;
    }
    case "content_block_stop": {
      const state = progress.blocks[event.index];
      if (state) state.done = true;
      if (state?.block.type === "tool_use") state.block.input = parseArgs(state.json);
      break;
    }
    case "message_delta":
      if (event.delta?.stop_reason !== undefined) progress.head.stop_reason = event.delta.stop_reason;
      progress.head.usage = { ...(progress.head.usage as object), ...event.usage };
      break;
    case "message_stop":
      return "stop";
  }
  return capped ? "capped" : undefined;
}

/** The part of `piece` that still fits under the reply cap (counted into `progress.size`). */
function fit(progress: Progress, piece: string, maxReplyChars: number): string {
  const room = Math.max(0, maxReplyChars - progress.size);
  let kept = piece.length <= room ? piece : piece.slice(0, room);
  const last = kept.charCodeAt(kept.length - 1);
  if (kept.length < piece.length && last >= 0xd800 && last <= 0xdbff) kept = kept.slice(0, -1);
  progress.size += kept.length;
  return kept;
}

/** The complete reply, once `message_stop` arrived. */
export function finalMessage(progress: Progress): Message {
  return fromWireMessage({
    content: progress.blocks.filter(Boolean).map((s) => s.block),
    model: progress.head.model as string | undefined,
    stop_reason: progress.head.stop_reason as string | null | undefined,
    usage: progress.head.usage as Record<string, unknown> | undefined,
  });
}

/** The reply hit the size cap: what fits becomes the final message, with a note saying the rest was not received. */
export async function* endCapped(progress: Progress, maxReplyChars: number): AsyncGenerator<ModelEvent> {
  const note = `\n\n*[Skein stopped receiving this reply at its size limit (${formatBytes(maxReplyChars)}); the rest was not received.]*`;
  yield { type: "text", text: note };
  const kept = progress.blocks.filter((s) => s && (s.block.type !== "tool_use" || s.done)).map((s) => s.block);
  const message = fromWireMessage({
    content: [...kept, { type: "text", text: note }],
    model: progress.head.model as string | undefined,
    stop_reason: "size_limit",
    usage: progress.head.usage as Record<string, unknown> | undefined,
  });
  message.metadata = { ...message.metadata, sizeLimited: true };
  yield { type: "message", message };
}

/** The assistant message as far as it streamed, or undefined when nothing did. Unfinished tool calls are dropped. */
export function partialMessage(progress: Progress): Message | undefined {
  const kept = progress.blocks.filter((s) => s && s.block.type === "text" && s.block.text);
  if (kept.length === 0) return undefined;
  const message = fromWireMessage({
    content: kept.map((s) => s.block),
    model: progress.head.model as string | undefined,
    stop_reason: null,
    usage: progress.head.usage as Record<string, unknown> | undefined,
  });
  message.metadata = { ...message.metadata, interrupted: true };
  return message;
}

/** Position of a tool_use block among the message's tool_use blocks (stable for the UI). */
function toolIndex(blocks: BlockState[], blockIndex: number): number {
  let n = 0;
  for (let i = 0; i < blockIndex; i++) if (blocks[i]?.block.type === "tool_use") n++;
  return n;
}

/** A tool call's arguments sit three levels inside the stored message (message → tool_calls → call → args). */
const MAX_ARGS_DEPTH = MAX_NESTING_DEPTH - 3;

function parseArgs(json: string): Record<string, unknown> {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    // Deeper than Skein stores (and so exports): kept as the raw text, like arguments that are not JSON.
    if (nestsDeeperThan(value, MAX_ARGS_DEPTH)) return { _raw: json };
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { _raw: json };
  }
}
