/**
 * Routes what the chat webview posts to the controller. Everything is checked first (the webview is a less
 * trusted peer); a message that fails the check is never acted upon, but it is answered where that is possible:
 * a `ready` the host cannot read still gets a snapshot (without the webview's remembered state), and a send the
 * host refuses says so in the chat instead of leaving a pending bubble and a view stuck streaming.
 */
import { describeRejected, is, isWebviewMessage, type WebviewCommand } from "../../protocol/messages";
import type { PersistedViewState } from "../../protocol/types";
import type { BranchRequest, ThreadRef } from "../engine/backend";

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
}

export const RUN_IN_PROGRESS =
  "A reply is still running in this thread — Stop it or wait for it to finish, then send again. Your message is kept in the composer.";
export const NOT_ACCEPTED = "That message was not accepted (too large or malformed) and nothing was sent.";

/** The text of a message a turn refused before storing it (extension's TurnRejectedError; matched by shape). */
export function unsentTextOf(error: unknown): string | undefined {
  const e = error as { name?: unknown; unsentText?: unknown } | null;
  return e?.name === "TurnRejectedError" && typeof e.unsentText === "string" && e.unsentText ? e.unsentText : undefined;
}

/** Messages whose refusal the user must hear about (they were waiting for something to happen). */
const ANSWERED = new Set(["send", "edit", "retry", "regenerate", "switchBranch", "fork"]);

export async function dispatchWebviewMessage(target: DispatchTarget, raw: unknown): Promise<void> {
  if (!isWebviewMessage(raw)) {
    const rejected = describeRejected(raw);
    // A saved state the guard refuses (e.g. an over-long draft from an older webview) must not leave the chat
    // without its snapshot forever.
    if (rejected?.type === "ready") return target.onReady({});
    if (rejected?.threadId && ANSWERED.has(rejected.type)) target.notAccepted(target.refFor(rejected.threadId));
    return;
  }
  const message = raw;
  if (is(message, "ready")) return target.onReady(message.params.state);
  if (is(message, "send")) return target.send(target.refFor(message.params.threadId), message.params.text);
  if (is(message, "stop")) return target.stop(target.refFor(message.params.threadId));
  if (is(message, "retry")) return target.retry(target.refFor(message.params.threadId));
  if (is(message, "draft")) return target.saveDraft(target.refFor(message.params.threadId), message.params.text);
  if (is(message, "copy")) return target.copy(message.params.text);
  if (is(message, "insertCode")) return target.insertCode(message.params.text);
  if (is(message, "openCode")) return target.openCode(message.params.text, message.params.language);
  if (is(message, "command")) return target.runCommand(message.params.command);
  // Time travel (issue 7).
  if (is(message, "edit")) {
    const { threadId, messageId, text } = message.params;
    return target.branch(target.refFor(threadId), { kind: "edit", messageId, text });
  }
  if (is(message, "regenerate")) return target.branch(target.refFor(message.params.threadId), { kind: "regenerate", messageId: message.params.messageId });
  if (is(message, "switchBranch")) return target.switchBranch(target.refFor(message.params.threadId), message.params.messageId, message.params.index);
  if (is(message, "fork")) await target.forkFrom(target.refFor(message.params.threadId), message.params.messageId);
}
