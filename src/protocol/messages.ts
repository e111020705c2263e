/**
 * Every message between the extension host and the chat webview, declared once with its direction and payload
 * (GitLens protocol.ts style). The webview says `ready`; the host answers with a `snapshot`, then sends changes.
 * Both sides validate what they receive with the guards below: a webview is a less trusted peer (it renders
 * model output), so the host never acts on a message it has not checked.
 */
import type {
  ApprovalView,
  ChatErrorView,
  ChatMessageView,
  ChatSnapshot,
  ComposerContextView,
  PersistedViewState,
} from "./types";

/** Host → webview. */
export interface HostToWebview {
  snapshot: ChatSnapshot;
  /** Insert or replace (by id) messages of the open thread, in order. */
  messages: { threadId: string; messages: ChatMessageView[] };
  /**
   * The list from just after `afterId` (null: from the start) is now `messages`: what the store says after a
   * run, an edit/regenerate (the re-run message and everything after it go) or a branch switch. Sent instead of
   * a snapshot so a turn on a long thread costs the turn, not the thread. A webview that does not hold
   * `afterId` asks again with `ready` (and gets a snapshot).
   */
  replaceTail: { threadId: string; afterId: string | null; messages: ChatMessageView[] };
  /** Append streamed text to an assistant message (created on first token). Batched by the host. */
  tokens: { threadId: string; messageId: string; text: string };
  status: { threadId: string; streaming: { messageId?: string } | null; interrupted: boolean };
  error: { threadId: string; error: ChatErrorView | null };
  title: { threadId: string; title: string };
  focusInput: Record<string, never>;
  /** Scroll a message into view (search results, branch switches). */
  revealMessage: { threadId: string; messageId: string };
  /**
   * Another thread is about to be shown (its snapshot follows). The webview saves the current draft under the
   * old thread, clears the composer for the new one and does not send until that snapshot has arrived.
   */
  opening: { threadId: string };
  /**
   * Something the user asked for was not done (a send while a reply runs, a message the host could not accept,
   * a message that could not be stored). `draft`: the unsent text, put back into the composer.
   */
  notice: { threadId: string; message: string; draft?: string };
  /** The thread's pending approvals now (replaces the cards shown). */
  approvals: { threadId: string; approvals: ApprovalView[] };
  /** Output of a running tool call (a command), appended to its row. */
  toolOutput: { threadId: string; toolCallId: string; text: string };
  /** The composer's context chips changed (active editor, Add Selection, a chip removed). */
  context: { context: ComposerContextView };
  /**
   * The active colour theme's syntax colour per token kind (`#rrggbb[aa]`, or `inherit`: the plain code colour),
   * as VS Code colours the same kinds in the editor; null when the theme could not be read (the stylesheet's
   * colours apply). Sent after `ready` and whenever the theme or its customisations change.
   */
  tokenColors: { colors: Partial<Record<TokenKind, string>> | null };
}

/** The code block token kinds whose colours follow the theme (`--skein-token-<kind>` in media/chat.css). */
export const TOKEN_KINDS = [
  "keyword",
  "control",
  "string",
  "number",
  "constant",
  "comment",
  "function",
  "type",
  "variable",
  "tag",
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];
const TOKEN_COLOUR = /^(?:#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|inherit)$/i;

/** Commands the webview may ask the host to run (a closed list: the webview cannot run arbitrary commands). */
export const WEBVIEW_COMMANDS = ["setApiKey", "newThread"] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

/** Webview → host. */
export interface WebviewToHost {
  ready: { state: PersistedViewState };
  send: { threadId: string; text: string };
  stop: { threadId: string };
  retry: { threadId: string };
  draft: { threadId: string; text: string };
  copy: { text: string };
  /** A code block's text into the active editor at its cursor / into a new untitled editor. */
  insertCode: { text: string };
  openCode: { text: string; language?: string };
  command: { command: WebviewCommand };
  /** Branches: re-run from before a user message with new text; a new reply; show another version; copy up to here into a new thread. */
  edit: { threadId: string; messageId: string; text: string };
  regenerate: { threadId: string; messageId: string };
  switchBranch: { threadId: string; messageId: string; index: number };
  fork: { threadId: string; messageId: string };
  /** Answers one pending tool call; `always`: also allow such calls in this workspace from now on. */
  approve: { threadId: string; interruptId: string; always?: boolean };
  reject: { threadId: string; interruptId: string; reason?: string };
  /** Opens the editor's diff of a pending edit, keeping the focus in the chat. */
  showDiff: { threadId: string; interruptId: string };
  /** Removes a context chip from the composer ("active" = the active editor's file). */
  removeContext: { id: string };
  /** Files dropped onto the chat (URIs as the drag carried them). */
  attachFiles: { uris: string[] };
}

type Envelope<Map, K extends keyof Map> = { type: K; params: Map[K] };
export type HostMessage = { [K in keyof HostToWebview]: Envelope<HostToWebview, K> }[keyof HostToWebview];
export type WebviewMessage = { [K in keyof WebviewToHost]: Envelope<WebviewToHost, K> }[keyof WebviewToHost];

/** Builds a typed message (keeps `type` and `params` in step at compile time). */
export function hostMessage<K extends keyof HostToWebview>(type: K, params: HostToWebview[K]): HostMessage {
  return { type, params } as HostMessage;
}
export function webviewMessage<K extends keyof WebviewToHost>(type: K, params: WebviewToHost[K]): WebviewMessage {
  return { type, params } as WebviewMessage;
}

/** Narrows an already-validated message to one type: `if (is(msg, "send")) msg.params.text`. */
export function is<M extends { type: string }, K extends M["type"]>(
  message: M,
  type: K,
): message is Extract<M, { type: K }> {
  return message.type === type;
}

// ---- validation -------------------------------------------------------------------------------------------

/** Largest message text the host accepts from the webview (a pasted novel is fine; a runaway loop is not). */
export const MAX_INPUT_CHARS = 1_000_000;
/** A reason for a rejected tool call (the model reads it). */
export const MAX_REASON_CHARS = 4_000;
/** Files one drop may attach. */
export const MAX_DROPPED_FILES = 50;

type Check = (params: Record<string, unknown>) => boolean;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown, max = 512): value is string => typeof value === "string" && value.length <= max;
const threadId = (p: Record<string, unknown>) => str(p.threadId) && (p.threadId as string).length > 0;
const optional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value);
const finiteNumber = (value: unknown) => typeof value === "number" && Number.isFinite(value);

const webviewChecks: { [K in keyof WebviewToHost]: Check } = {
  ready: (p) =>
    isObject(p.state) &&
    optional(p.state.threadId, (v) => str(v)) &&
    optional(p.state.draft, (v) => str(v, MAX_INPUT_CHARS)) &&
    optional(p.state.scrollFromBottom, finiteNumber) &&
    optional(p.state.anchor, (a) => isObject(a) && str(a.messageId) && finiteNumber(a.offset)),
  send: (p) => threadId(p) && str(p.text, MAX_INPUT_CHARS),
  stop: threadId,
  retry: threadId,
  draft: (p) => threadId(p) && str(p.text, MAX_INPUT_CHARS),
  copy: (p) => str(p.text, 50 * MAX_INPUT_CHARS),
  insertCode: (p) => str(p.text, 50 * MAX_INPUT_CHARS),
  openCode: (p) => str(p.text, 50 * MAX_INPUT_CHARS) && optional(p.language, (v) => str(v, 64)),
  command: (p) => typeof p.command === "string" && (WEBVIEW_COMMANDS as readonly string[]).includes(p.command),
  edit: (p) => threadId(p) && str(p.messageId) && str(p.text, MAX_INPUT_CHARS) && (p.text as string).trim().length > 0,
  regenerate: (p) => threadId(p) && str(p.messageId),
  switchBranch: (p) =>
    threadId(p) &&
    str(p.messageId) &&
    Number.isInteger(p.index) &&
    (p.index as number) >= 0 &&
    (p.index as number) < 10_000,
  fork: (p) => threadId(p) && str(p.messageId),
  approve: (p) => threadId(p) && str(p.interruptId) && optional(p.always, (v) => typeof v === "boolean"),
  reject: (p) => threadId(p) && str(p.interruptId) && optional(p.reason, (v) => str(v, MAX_REASON_CHARS)),
  showDiff: (p) => threadId(p) && str(p.interruptId),
  removeContext: (p) => str(p.id) && (p.id as string).length > 0,
  attachFiles: (p) => Array.isArray(p.uris) && p.uris.length <= MAX_DROPPED_FILES && p.uris.every((u) => str(u, 4096)),
};

const isSiblings = (v: unknown): boolean =>
  isObject(v) &&
  Number.isInteger(v.index) &&
  Number.isInteger(v.count) &&
  (v.index as number) >= 0 &&
  (v.index as number) < (v.count as number);
const isMessageView = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.id === "string" &&
  typeof v.role === "string" &&
  typeof v.text === "string" &&
  optional(v.siblings, isSiblings);
const isErrorView = (v: unknown): boolean =>
  isObject(v) && typeof v.code === "string" && typeof v.message === "string" && Array.isArray(v.actions);
const isApproval = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.interruptId === "string" &&
  typeof v.toolCallId === "string" &&
  typeof v.name === "string" &&
  typeof v.args === "string" &&
  typeof v.canShowDiff === "boolean" &&
  typeof v.canAlwaysAllow === "boolean";
const isAttachment = (v: unknown): boolean =>
  isObject(v) && (v.kind === "file" || v.kind === "selection") && typeof v.path === "string";
const isContext = (v: unknown): boolean =>
  isObject(v) &&
  optional(v.activeFile, (a) => isObject(a) && typeof a.path === "string" && typeof a.included === "boolean") &&
  Array.isArray(v.attachments) &&
  v.attachments.every((a) => isAttachment(a) && typeof (a as { id?: unknown }).id === "string");
const isStreaming = (v: unknown): boolean =>
  v === null || (isObject(v) && optional(v.messageId, (m) => typeof m === "string"));

const hostChecks: { [K in keyof HostToWebview]: Check } = {
  snapshot: (p) =>
    typeof p.threadId === "string" &&
    typeof p.title === "string" &&
    Array.isArray(p.messages) &&
    p.messages.every(isMessageView) &&
    typeof p.draft === "string" &&
    isStreaming(p.streaming) &&
    (p.error === null || isErrorView(p.error)) &&
    typeof p.interrupted === "boolean" &&
    isObject(p.strings) &&
    optional(p.approvals, (v) => Array.isArray(v) && v.every(isApproval)) &&
    optional(p.context, isContext),
  messages: (p) => typeof p.threadId === "string" && Array.isArray(p.messages) && p.messages.every(isMessageView),
  replaceTail: (p) =>
    typeof p.threadId === "string" &&
    (p.afterId === null || typeof p.afterId === "string") &&
    Array.isArray(p.messages) &&
    p.messages.every(isMessageView),
  tokens: (p) => typeof p.threadId === "string" && typeof p.messageId === "string" && typeof p.text === "string",
  status: (p) => typeof p.threadId === "string" && isStreaming(p.streaming) && typeof p.interrupted === "boolean",
  error: (p) => typeof p.threadId === "string" && (p.error === null || isErrorView(p.error)),
  title: (p) => typeof p.threadId === "string" && typeof p.title === "string",
  focusInput: () => true,
  revealMessage: (p) => typeof p.threadId === "string" && typeof p.messageId === "string",
  opening: (p) => typeof p.threadId === "string",
  notice: (p) =>
    typeof p.threadId === "string" && typeof p.message === "string" && optional(p.draft, (v) => typeof v === "string"),
  approvals: (p) => typeof p.threadId === "string" && Array.isArray(p.approvals) && p.approvals.every(isApproval),
  toolOutput: (p) => typeof p.threadId === "string" && typeof p.toolCallId === "string" && typeof p.text === "string",
  context: (p) => isContext(p.context),
  // Only known kinds and colour literals: the values become CSS custom properties in the webview.
  tokenColors: (p) =>
    p.colors === null ||
    (isObject(p.colors) &&
      Object.entries(p.colors).every(
        ([kind, colour]) =>
          (TOKEN_KINDS as readonly string[]).includes(kind) && typeof colour === "string" && TOKEN_COLOUR.test(colour),
      )),
};

function check(map: Record<string, Check>, value: unknown): boolean {
  if (!isObject(value) || typeof value.type !== "string" || !isObject(value.params)) return false;
  if (!Object.prototype.hasOwnProperty.call(map, value.type)) return false;
  return map[value.type]!(value.params);
}

/**
 * What can be said about a message that failed `isWebviewMessage`: its type and thread if those parts are sound
 * (so the host can answer "not accepted" to the right thread instead of staying silent), else undefined.
 */
export function describeRejected(value: unknown): { type: string; threadId?: string } | undefined {
  if (
    !isObject(value) ||
    typeof value.type !== "string" ||
    !Object.prototype.hasOwnProperty.call(webviewChecks, value.type)
  )
    return undefined;
  const params = isObject(value.params) ? value.params : {};
  return { type: value.type, threadId: threadId(params) ? (params.threadId as string) : undefined };
}

/** True when `value` is a well-formed message the webview may send (checked by the host before acting). */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  return check(webviewChecks, value);
}

/** True when `value` is a well-formed message from the host (checked by the webview). */
export function isHostMessage(value: unknown): value is HostMessage {
  return check(hostChecks, value);
}
