/**
 * The chat's workspace parts, kept beside the app: the approval cards at the end of the conversation, the context
 * chips above the composer, files dropped onto the chat, and streamed command output. The app hands it host
 * messages and snapshots; it posts the user's answers.
 */
import { webviewMessage, type WebviewMessage } from "../../protocol/messages";
import type { ApprovalView, ComposerContextView, WebviewStrings } from "../../protocol/types";
import { renderApprovals } from "./approvalCards";
import { renderComposerChips } from "../composer/contextChips";
import type { MessageList } from "../messages/messageList";

/** Data types a drag from VS Code's Explorer or editor tabs (or the OS) carries file URIs in. */
const URI_TYPES = ["application/vnd.code.uri-list", "text/uri-list", "resourceurls", "codefiles"];

export class WorkspaceUi {
  readonly approvalsEl: HTMLElement;
  private approvals: ApprovalView[] = [];
  private context: ComposerContextView | undefined;
  private strings: WebviewStrings | undefined;

  constructor(
    private readonly chips: HTMLElement,
    private readonly list: MessageList,
    /** Posts for the shown thread (nothing while another thread opens). */
    private readonly postForThread: (build: (threadId: string) => WebviewMessage) => void,
    private readonly post: (message: WebviewMessage) => void,
    dropTarget: HTMLElement,
  ) {
    this.approvalsEl = chips.ownerDocument.createElement("div");
    this.approvalsEl.id = "approvals";
    this.approvalsEl.className = "approvals";
    this.approvalsEl.hidden = true;
    dropTarget.addEventListener("dragover", (event) => {
      if (uriTypeOf(event.dataTransfer)) {
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
        dropTarget.classList.add("drop-target");
      }
    });
    dropTarget.addEventListener("dragleave", () => dropTarget.classList.remove("drop-target"));
    dropTarget.addEventListener("drop", (event) => {
      dropTarget.classList.remove("drop-target");
      const uris = droppedUris(event.dataTransfer);
      if (uris.length === 0) return;
      event.preventDefault();
      this.post(webviewMessage("attachFiles", { uris: uris.slice(0, 50) }));
    });
  }

  get pendingCount(): number {
    return this.approvals.length;
  }

  setStrings(strings: WebviewStrings): void {
    this.strings = strings;
  }

  setApprovals(approvals: readonly ApprovalView[]): void {
    this.approvals = approvals.slice();
    if (!this.strings) return;
    renderApprovals(this.approvalsEl, this.approvals, this.strings.tools, {
      approve: (interruptId, always) =>
        this.postForThread((threadId) =>
          webviewMessage("approve", { threadId, interruptId, ...(always ? { always: true } : {}) }),
        ),
      reject: (interruptId, reason) =>
        this.postForThread((threadId) =>
          webviewMessage("reject", { threadId, interruptId, ...(reason ? { reason } : {}) }),
        ),
      showDiff: (interruptId) =>
        this.postForThread((threadId) => webviewMessage("showDiff", { threadId, interruptId })),
    });
    this.list.setWaitingCalls(new Set(this.approvals.map((a) => a.toolCallId)));
  }

  setContext(context: ComposerContextView | undefined): void {
    this.context = context;
    if (!this.strings) return;
    renderComposerChips(this.chips, context, this.strings.tools, (id) =>
      this.post(webviewMessage("removeContext", { id })),
    );
  }

  /** After a snapshot: cards and chips as the host sent them. */
  applySnapshot(strings: WebviewStrings, approvals: readonly ApprovalView[], context: ComposerContextView | undefined) {
    this.strings = strings;
    this.setApprovals(approvals);
    this.setContext(context ?? this.context);
  }
}

function uriTypeOf(data: DataTransfer | null): string | undefined {
  const types = Array.from(data?.types ?? []);
  return URI_TYPES.find((t) => types.includes(t));
}

/** The file URIs a drop carried (comments and blank lines of a uri-list skipped; JSON lists accepted). */
export function droppedUris(data: DataTransfer | null): string[] {
  if (!data) return [];
  for (const type of URI_TYPES) {
    const raw = data.getData(type);
    if (!raw) continue;
    if (raw.trimStart().startsWith("[")) {
      try {
        const list: unknown = JSON.parse(raw);
        if (Array.isArray(list)) return list.filter((u): u is string => typeof u === "string");
      } catch {
        /* not JSON: read as a uri-list */
      }
    }
    return raw
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
  }
  return [];
}
