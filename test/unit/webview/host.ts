import type { WebviewMessage } from "../../../src/protocol/messages";
import type { ChatSnapshot, WebviewStrings } from "../../../src/protocol/types";
import type { VsCodeApi } from "../../../src/webview/app";

/**
 * The webview API as VS Code provides it: a message sink, kept for the tests to read, and a state slot that
 * outlives the page. What `getState` hands back is a copy made through JSON, as after a reload.
 */
export class WebviewHost<State = unknown> implements VsCodeApi {
  posted: WebviewMessage[] = [];
  constructor(public state?: State) {}
  postMessage(message: WebviewMessage): void {
    this.posted.push(message);
  }
  getState(): unknown {
    return this.state === undefined ? undefined : JSON.parse(JSON.stringify(this.state));
  }
  setState(state: unknown): void {
    this.state = state as State;
  }
  /** The last message of this type the page posted. */
  last(type: string): WebviewMessage | undefined {
    return [...this.posted].reverse().find((m) => m.type === type);
  }
  /** The parameters of every message of this type the page posted, in order. */
  of(type: string): Record<string, unknown>[] {
    return this.posted.filter((m) => m.type === type).map((m) => m.params as Record<string, unknown>);
  }
}

/** A snapshot of thread "t1" as the host sends it: empty and idle, with `over` on top. */
export function snapshotOf(strings: WebviewStrings, over: Partial<ChatSnapshot> = {}): ChatSnapshot {
  return {
    threadId: "t1",
    title: "",
    messages: [],
    draft: "",
    streaming: null,
    error: null,
    interrupted: false,
    strings,
    ...over,
  };
}
