import type { WebviewStrings } from "../src/protocol/types";
import { testStrings } from "../test/unit/webview/strings";

/** Short stand-ins for the strings the host sends the chat in every snapshot (the benches paint the real view). */
export function strings(): WebviewStrings {
  const s = (x: string) => x;
  return {
    placeholder: s("Ask"),
    send: s("Send"),
    stop: s("Stop"),
    retry: s("Retry"),
    setApiKey: s("Set API Key"),
    copy: s("Copy"),
    copied: s("Copied"),
    you: s("You"),
    assistant: s("Assistant"),
    tool: s("Tool"),
    error: s("Error"),
    interrupted: s("Interrupted"),
    emptyThread: s("Empty"),
    loadingOlder: s("Older"),
    truncated: s("Plain"),
    toolCall: s("Tool call"),
    newThread: s("New Thread"),
    composerLabel: s("Message"),
    messagesLabel: s("Conversation"),
    needsApiKey: s("Needs a key"),
    edit: s("Edit"),
    regenerate: s("Regenerate"),
    fork: s("Fork"),
    save: s("Save"),
    cancel: s("Cancel"),
    previousVersion: s("Previous"),
    nextVersion: s("Next"),
    tooLong: s("Too long {0} {1}"),
    draftCut: s("Cut {0}"),
    opening: s("Opening"),
    runInProgress: s("Running"),
    notAccepted: s("Not accepted"),
    showMore: s("Show more"),
    showLess: s("Show less"),
    insertAtCursor: s("Insert"),
    openInEditor: s("Open"),
    // The tool rows' strings as the webview tests have them.
    tools: testStrings.tools,
  };
}
