/** The webview's strings, localised on the host (the webview has no l10n API) and sent in every snapshot. */
import * as vscode from "vscode";
import type { WebviewStrings } from "../../../protocol/types";

export function webviewStrings(): WebviewStrings {
  const t = vscode.l10n.t;
  return {
    placeholder: t("Ask anything — Enter to send, Shift+Enter for a new line"),
    send: t("Send"),
    stop: t("Stop"),
    retry: t("Retry"),
    setApiKey: t("Set API Key"),
    copy: t("Copy"),
    copied: t("Copied"),
    you: t("You"),
    assistant: t("Assistant"),
    tool: t("Tool"),
    error: t("Error"),
    interrupted: t("This reply was interrupted before it finished."),
    emptyThread: t("Start the conversation: type a message below."),
    loadingOlder: t("Scroll up for older messages"),
    truncated: t("Very long message shown as plain text."),
    toolCall: t("Tool call"),
    newThread: t("New Thread"),
    composerLabel: t("Message"),
    messagesLabel: t("Conversation"),
    edit: t("Edit"),
    regenerate: t("Regenerate"),
    fork: t("Fork to New Thread"),
    save: t("Save & Submit"),
    cancel: t("Cancel"),
    previousVersion: t("Previous version"),
    nextVersion: t("Next version"),
    needsApiKey: t("Skein needs an Anthropic API key to chat. It is kept in VS Code's secret storage."),
    // Composer notices: {0}, {1} stay placeholders (passed through) for the numbers the webview fills in.
    tooLong: t(
      "This message has {0} characters; the limit is {1}. Shorten it and send again — it is kept here.",
      "{0}",
      "{1}",
    ),
    draftCut: t("Your saved draft was longer than {0} characters and was cut to fit.", "{0}"),
    opening: t("Opening the thread…"),
    runInProgress: t(
      "A reply is still running in this thread — Stop it or wait for it to finish, then send again. Your message is kept in the composer.",
    ),
    showMore: t("Show more"),
    showLess: t("Show less"),
    insertAtCursor: t("Insert at Cursor"),
    openInEditor: t("Open in New Editor"),
    tools: {
      // The accessible names of a card's buttons are exactly these words (tests and screen readers rely on them).
      approve: t("Approve"),
      reject: t("Reject"),
      alwaysAllow: t("Always allow"),
      showDiff: t("Show Diff"),
      rejectReason: t("Reason for rejecting (optional, the model sees it)"),
      waitingApproval: t("Waiting for your approval"),
      toolRunning: t("running…"),
      toolStatus: {
        ok: t("done"),
        error: t("failed"),
        rejected: t("rejected"),
        stopped: t("stopped"),
        timed_out: t("timed out"),
        abandoned: t("abandoned"),
      },
      removeChip: t("Remove {0}", "{0}"),
      activeFileChip: t("Current file: {0}", "{0}"),
      attachedContext: t("Attached context"),
    },
    notAccepted: t("That message was not accepted (too large or malformed) and nothing was sent."),
  };
}
