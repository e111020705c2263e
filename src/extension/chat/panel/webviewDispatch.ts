/**
 * Routes what the chat webview posts to the controller. Everything is checked first (the webview is a less
 * trusted peer); a message that fails the check is never acted upon, but it is answered where that is possible:
 * a `ready` the host cannot read still gets a snapshot (without the webview's remembered state), and a send the
 * host refuses says so in the chat instead of leaving a pending bubble and a view stuck streaming.
 */
import {
  describeRejected,
  isWebviewMessage,
  type WebviewCommand,
  type WebviewToHost,
} from "../../../protocol/messages";
import type { PersistedViewState } from "../../../protocol/types";
import type { BranchRequest, ThreadRef, ToolApprovalDecision } from "../../engine/backend";

/** What the dispatcher drives (the ChatController). */
export interface DispatchTarget {
  refFor(threadId: string): ThreadRef;
  onReady(state: PersistedViewState): Promise<void>;
  send(ref: ThreadRef, text: string): Promise<void>;
  stop(ref: ThreadRef): void;
  retry(ref: ThreadRef): Promise<void>;
  saveDraft(ref: ThreadRef, text: string): Promise<void>;
  copy(text: string): Promise<void>;
  insertCode(text: string): Promise<void>;
  openCode(text: string, language: string | undefined): Promise<void>;
  runCommand(command: WebviewCommand): void;
  branch(ref: ThreadRef, request: BranchRequest): Promise<void>;
  switchBranch(ref: ThreadRef, messageId: string, index: number): Promise<void>;
  forkFrom(ref: ThreadRef, messageId: string): Promise<unknown>;
  /** Tells the open chat that a message of this kind was not accepted. */
  notAccepted(ref: ThreadRef): void;
  answer(ref: ThreadRef, interruptId: string, decision: ToolApprovalDecision): Promise<void>;
  showDiff(ref: ThreadRef, interruptId: string): Promise<void>;
  removeContext(id: string): void;
  attachFiles(uris: readonly string[]): Promise<void>;
}

/** Messages whose refusal the user must hear about (they were waiting for something to happen). */
const ANSWERED = new Set(["send", "edit", "retry", "regenerate", "switchBranch", "fork", "approve", "reject"]);

/** One handler per message the webview may post; the compiler checks that every type has one. */
type Handlers = {
  [K in keyof WebviewToHost]: (target: DispatchTarget, params: WebviewToHost[K]) => Promise<unknown> | void;
};

const HANDLERS: Handlers = {
  ready: (target, { state }) => target.onReady(state),
  send: (target, { threadId, text }) => target.send(target.refFor(threadId), text),
  stop: (target, { threadId }) => target.stop(target.refFor(threadId)),
  retry: (target, { threadId }) => target.retry(target.refFor(threadId)),
  draft: (target, { threadId, text }) => target.saveDraft(target.refFor(threadId), text),
  copy: (target, { text }) => target.copy(text),
  insertCode: (target, { text }) => target.insertCode(text),
  openCode: (target, { text, language }) => target.openCode(text, language),
  command: (target, { command }) => target.runCommand(command),
  edit: (target, { threadId, messageId, text }) =>
    target.branch(target.refFor(threadId), { kind: "edit", messageId, text }),
  regenerate: (target, { threadId, messageId }) =>
    target.branch(target.refFor(threadId), { kind: "regenerate", messageId }),
  switchBranch: (target, { threadId, messageId, index }) =>
    target.switchBranch(target.refFor(threadId), messageId, index),
  fork: (target, { threadId, messageId }) => target.forkFrom(target.refFor(threadId), messageId),
  approve: (target, { threadId, interruptId, always }) =>
    target.answer(target.refFor(threadId), interruptId, { approved: true, ...(always ? { always: true } : {}) }),
  reject: (target, { threadId, interruptId, reason }) =>
    target.answer(target.refFor(threadId), interruptId, { approved: false, ...(reason?.trim() ? { reason } : {}) }),
  showDiff: (target, { threadId, interruptId }) => target.showDiff(target.refFor(threadId), interruptId),
  removeContext: (target, { id }) => target.removeContext(id),
  attachFiles: (target, { uris }) => target.attachFiles(uris),
};

export async function dispatchWebviewMessage(target: DispatchTarget, raw: unknown): Promise<void> {
  if (!isWebviewMessage(raw)) {
    const rejected = describeRejected(raw);
    // A saved state the guard refuses (e.g. an over-long draft from an older webview) must not leave the chat
    // without its snapshot forever.
    if (rejected?.type === "ready") return target.onReady({});
    if (rejected?.threadId && ANSWERED.has(rejected.type)) target.notAccepted(target.refFor(rejected.threadId));
    return;
  }
  const handler = HANDLERS[raw.type] as (target: DispatchTarget, params: unknown) => Promise<unknown> | void;
  await handler(target, raw.params);
}
