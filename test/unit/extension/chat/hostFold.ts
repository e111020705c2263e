/**
 * The host's posted messages folded the way the chat webview applies them (src/webview/app.ts + messages/messageList.ts:
 * snapshot = reset, messages = upsert by id, tokens = append/create, replaceTail = keep through the anchor and
 * put the rest, status/error = chrome). Tests read "what the chat shows now" from it instead of the last
 * snapshot, since after a turn the host sends changes, not snapshots.
 */
import type { HostMessage } from "../../../../src/protocol/messages";
import type { ChatSnapshot } from "../../../../src/protocol/types";

export function foldHost(posted: readonly HostMessage[]): ChatSnapshot {
  let state: ChatSnapshot | undefined;
  for (const message of posted) {
    if (message.type === "snapshot") {
      state = { ...message.params, messages: message.params.messages.map((m) => ({ ...m })) };
      continue;
    }
    if (!state || !("threadId" in message.params) || message.params.threadId !== state.threadId) continue;
    const list = state.messages;
    switch (message.type) {
      case "messages":
        for (const view of message.params.messages) {
          const at = list.findIndex((m) => m.id === view.id);
          if (at >= 0) list[at] = { ...view };
          else list.push({ ...view });
        }
        break;
      case "tokens": {
        const view = list.find((m) => m.id === message.params.messageId);
        if (view) view.text += message.params.text;
        else list.push({ id: message.params.messageId, role: "assistant", text: message.params.text });
        break;
      }
      case "replaceTail": {
        const at = message.params.afterId === null ? -1 : list.findIndex((m) => m.id === message.params.afterId);
        if (message.params.afterId !== null && at < 0)
          throw new Error(`replaceTail after ${message.params.afterId}, which the webview does not hold`);
        list.splice(at + 1, list.length, ...message.params.messages.map((m) => ({ ...m })));
        break;
      }
      case "status":
        state.streaming = message.params.streaming;
        state.interrupted = message.params.interrupted;
        break;
      case "error":
        state.error = message.params.error;
        break;
    }
  }
  if (!state) throw new Error("no snapshot was posted");
  return state;
}
