/** The chat controller's options, its panel and its per-thread run record (kept apart so the controller stays small). */
import type { WebviewStrings } from "../../protocol/types";
import type { ChatBackend, ThreadRef } from "../engine/backend";
import type { KeyValueStore } from "./stateKeys";
import type { Scheduler, TokenBatcher } from "./tokenBatcher";
import type { HostMessage, WebviewCommand } from "../../protocol/messages";

export interface ChatPanel {
  post(message: HostMessage): void;
}

export interface ChatControllerOptions {
  backend: ChatBackend;
  /** This window's scope key (new threads go here). */
  scope: string;
  state: KeyValueStore;
  strings: WebviewStrings;
  /** Run a host command the webview asked for (Set API Key, New Thread). */
  runCommand(command: WebviewCommand): void;
  copyToClipboard(text: string): PromiseLike<void> | void;
  /** A code block's text at the cursor of the active editor / in a new editor (fence language). */
  insertCode?(text: string): PromiseLike<void> | void;
  openCode?(text: string, language: string | undefined): PromiseLike<void> | void;
  /** The threads of a scope changed (new, renamed, a turn finished): refresh the tree. */
  onThreadsChanged?(scope: string): void;
  /** Whether the open thread is streaming (drives the `skein.streaming` context key). */
  onStreamingChanged?(streaming: boolean): void;
  /** Whether turns can authenticate (a key is stored/in the environment, or a base URL is set). */
  canAuthenticate?(): Promise<boolean>;
  /** Strings that must never appear in an error shown to the user (the API key). */
  secrets?(): readonly string[];
  scheduler?: Scheduler;
}

export interface Run {
  ref: ThreadRef;
  abort: AbortController;
  batcher: TokenBatcher;
  /** Streamed text of assistant messages not yet stored (so a snapshot mid-stream shows them). */
  partial: Map<string, string>;
  lastMessageId?: string;
  /** How many confirmed messages the webview showed when the run started: the run changes only what follows. */
  base?: number;
  /** Settles when the run has ended and its final state was posted. */
  done?: Promise<void>;
}
