/**
 * Payload shapes shared by the extension host and the chat webview. Plain JSON only: everything here crosses
 * `postMessage`. The webview imports nothing but this folder, so these types must not reach into src/graph etc.
 */

export type ChatRole = "user" | "assistant" | "tool" | "system" | "error";

/** A message as the webview shows it (a projection of the stored message: text, not provider blocks). */
export interface ChatMessageView {
  id: string;
  role: ChatRole;
  /** Markdown for user/assistant, plain text for tool results. */
  text: string;
  /** Assistant only: tools the model asked to call (name + JSON of the arguments). */
  toolCalls?: { id: string; name: string; args: string }[];
  /** Tool only: the tool's name. */
  toolName?: string;
  /** The reply stopped before it finished (Stop, crash, reload while streaming). */
  interrupted?: boolean;
  /** A tool result that reports a failure. */
  isError?: boolean;
  /** ISO time. */
  createdAt?: string;
  /** Set when the message has other versions (edits / regenerations): 0-based position and how many ("‹ 2/3 ›"). */
  siblings?: { index: number; count: number };
  /** Tool only: the call this result answers, how it ended and how long it took. */
  toolCallId?: string;
  toolStatus?: ToolStatusView;
  durationMs?: number;
  /** User only: files and selections sent with the message (their text is part of what the model saw). */
  attachments?: AttachmentView[];
}

/** How a tool call ended (the engine's `metadata.tool_status`). */
export type ToolStatusView = "ok" | "error" | "rejected" | "stopped" | "timed_out" | "abandoned";

/** A file or a selection attached to a message or waiting in the composer. */
export interface AttachmentView {
  kind: "file" | "selection";
  /** Workspace-relative path as shown. */
  path: string;
  /** 1-based, inclusive (selections). */
  startLine?: number;
  endLine?: number;
}

/** The composer's context chips: the active editor's file (included unless removed) and explicit attachments. */
export interface ComposerContextView {
  activeFile?: { path: string; included: boolean };
  attachments: (AttachmentView & { id: string })[];
}

/** A changing tool call that waits for the user (an `interrupt()` stored in the thread's checkpoint). */
export interface ApprovalView {
  interruptId: string;
  toolCallId: string;
  name: string;
  /** JSON of the arguments, capped. */
  args: string;
  /** edit_file: workspace-relative path and the unified diff. */
  path?: string;
  diff?: string;
  /** run_command. */
  command?: string;
  cwd?: string;
  /** "Show Diff" can open the editor's diff for this call. */
  canShowDiff: boolean;
  /** "Always allow" exists for this call (edit_file; run_command for this exact command line). */
  canAlwaysAllow: boolean;
}

/** What the user can do about an error shown inline in the chat. */
export type ErrorAction = "retry" | "setApiKey";

export interface ChatErrorView {
  /** Stable code from the chat layer (e.g. MISSING_API_KEY, RATE_LIMITED); "UNKNOWN" when none. */
  code: string;
  message: string;
  actions: ErrorAction[];
}

/** Every user-visible string the webview needs, localised on the host (the webview has no l10n API). */
export interface WebviewStrings {
  placeholder: string;
  send: string;
  stop: string;
  retry: string;
  setApiKey: string;
  copy: string;
  copied: string;
  you: string;
  assistant: string;
  tool: string;
  error: string;
  interrupted: string;
  emptyThread: string;
  loadingOlder: string;
  truncated: string;
  toolCall: string;
  newThread: string;
  composerLabel: string;
  messagesLabel: string;
  needsApiKey: string;
  /** Branch controls on a message. */
  edit: string;
  regenerate: string;
  fork: string;
  save: string;
  cancel: string;
  previousVersion: string;
  nextVersion: string;
  /** Composer notices. `{0}`, `{1}`: the numbers the webview fills in (the length, the limit). */
  tooLong: string;
  draftCut: string;
  opening: string;
  /** Long user messages and code blocks. */
  showMore: string;
  showLess: string;
  insertAtCursor: string;
  openInEditor: string;
  /** Tool rows, approval cards and context chips. */
  tools: ToolStrings;
  /** Host-side notices (sent as `notice` messages). */
  runInProgress: string;
  notAccepted: string;
}

export interface ToolStrings {
  approve: string;
  reject: string;
  alwaysAllow: string;
  showDiff: string;
  rejectReason: string;
  waitingApproval: string;
  toolRunning: string;
  toolStatus: Record<ToolStatusView, string>;
  /** `{0}`: the chip's label. */
  removeChip: string;
  activeFileChip: string;
  attachedContext: string;
}

/** Where the user had scrolled up to: this message's top was `offset` px below the top of the view. */
export interface ScrollAnchor {
  messageId: string;
  offset: number;
}

/** Saved by the webview with `setState` (survives hide/show and window reload). */
export interface PersistedViewState {
  threadId?: string;
  draft?: string;
  /** Distance from the bottom of the message list in px; 0 = pinned to the newest message. */
  scrollFromBottom?: number;
  /** Set when scrolled up: the message and offset to come back to (pixels alone drift as layout settles). */
  anchor?: ScrollAnchor;
}

/** The whole state of the chat view, sent once per `ready` and whenever another thread is opened. */
export interface ChatSnapshot {
  threadId: string;
  title: string;
  messages: ChatMessageView[];
  /** Unsent text of this thread's composer. */
  draft: string;
  /** Restore this scroll position (distance from the bottom); undefined = newest message. */
  scrollFromBottom?: number;
  /** Restore this message and offset (the webview's saved anchor, for the thread it was saved with). */
  anchor?: ScrollAnchor;
  /** A reply is streaming right now (the id of the growing assistant message, if any token arrived). */
  streaming: { messageId?: string } | null;
  error: ChatErrorView | null;
  /** The last turn did not finish (window closed while streaming, stopped, crashed): offer Retry. */
  interrupted: boolean;
  strings: WebviewStrings;
  /** Focus the composer after painting (New Thread). */
  focus?: boolean;
  /** No API key is available (and no base URL that may not need one): the empty state offers Set API Key. */
  needsApiKey?: boolean;
  /** Tool calls of this thread that wait for Approve / Reject (from the checkpoint: they survive reloads). */
  approvals?: ApprovalView[];
  /** What the next message will carry besides its text. */
  context?: ComposerContextView;
}
