/** The chat controller's options, its panel and its per-thread run record (kept apart so the controller stays small). */
import type { ComposerContextView, WebviewStrings } from "../../protocol/types";
import type { TextBlock } from "../../graph/messages";
import type { ToolApprovalDecision, ToolApprovalRequest } from "../../chat/tools/types";
import type { ApprovalTracker } from "./approvalTracker";
import type { ChatBackend, ThreadRef } from "../engine/backend";
import type { KeyValueStore } from "./stateKeys";
import type { Scheduler, TokenBatcher } from "./turns/tokenBatcher";
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
  /** The composer's context chips and what a message carries besides its text. */
  context?: ComposerContextPort;
  /** Opens the editor's diff of a pending edit_file call (keeping the focus in the chat). */
  showDiff?(request: ToolApprovalRequest, interruptId: string): PromiseLike<void> | void;
  /** Which threads wait for approvals (the tree's marks, the view's badge). */
  approvals?: ApprovalTracker;
}

/** The composer's context as the controller uses it (the editor implements it in context/composerContext.ts). */
export interface ComposerContextPort {
  view(): ComposerContextView;
  remove(id: string): void;
  attachUris(uris: readonly string[]): Promise<void>;
  /** The attachment blocks of a message sent now; clears the explicit attachments. */
  take(): Promise<TextBlock[]>;
}

/** An answer to one pending tool approval, run as the turn that resumes from it. */
export interface ApprovalAnswer {
  interruptId: string;
  decision: ToolApprovalDecision;
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
  /** A new message's attachment blocks (read at send time). */
  attachments?: TextBlock[];
}
