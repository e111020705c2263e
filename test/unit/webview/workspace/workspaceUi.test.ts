// @vitest-environment jsdom
/**
 * The chat's workspace parts as a person meets them: approval cards (diff, command, buttons named exactly
 * Approve / Reject, a reason that is posted, Always allow, Show Diff), compact tool rows (pending → result,
 * streamed output, status and duration), context chips, dropped files — and model or tool text always inert.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { hostMessage, isHostMessage, type HostMessage } from "../../../../src/protocol/messages";
import type { ApprovalView, ChatMessageView, ChatSnapshot, WebviewStrings } from "../../../../src/protocol/types";
import { ChatApp } from "../../../../src/webview/app";
import { droppedUris } from "../../../../src/webview/workspace/workspaceUi";
import { formatDuration, toolTarget } from "../../../../src/webview/workspace/toolRows";
import { testStrings } from "../strings";
import { snapshotOf, WebviewHost as Host } from "../host";

const strings: WebviewStrings = {
  ...testStrings,
  tooLong: "{0} {1}",
  draftCut: "{0}",
  runInProgress: "Running.",
  notAccepted: "Not accepted.",
};

const snapshot = (over: Partial<ChatSnapshot> = {}): ChatSnapshot => snapshotOf(strings, over);

function setup() {
  document.body.innerHTML = '<div id="app"></div>';
  const host = new Host();
  const app = new ChatApp(document.getElementById("app")!, host);
  const receive = (m: HostMessage) => {
    // Everything the host sends passes the webview's own guard first, as in the real view.
    expect(isHostMessage(m)).toBe(true);
    app.receive(m);
  };
  return { host, app, receive };
}

const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const $$ = <T extends Element = HTMLElement>(selector: string) => Array.from(document.querySelectorAll<T>(selector));

/** The buttons of a card by their visible name (which is their accessible name: no aria-label overrides it). */
function buttonNamed(root: ParentNode, name: string): HTMLButtonElement {
  const found = Array.from(root.querySelectorAll<HTMLButtonElement>("button")).filter(
    (b) => b.textContent === name && !b.hasAttribute("aria-label") && !b.hasAttribute("aria-labelledby"),
  );
  expect(found, `one button named ${name}`).toHaveLength(1);
  return found[0]!;
}

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

const editCall = {
  id: "call-1",
  name: "edit_file",
  args: JSON.stringify({ path: "src/a.ts", old_text: "a", new_text: "b" }),
};
const cmdCall = { id: "call-2", name: "run_command", args: JSON.stringify({ command: "npm test" }) };
const editApproval: ApprovalView = {
  interruptId: "int-1",
  toolCallId: "call-1",
  name: "edit_file",
  args: editCall.args,
  path: "src/a.ts",
  diff: `--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-${HOSTILE}\n+const b = 2;`,
  canShowDiff: true,
  canAlwaysAllow: true,
};
const cmdApproval: ApprovalView = {
  interruptId: "int-2",
  toolCallId: "call-2",
  name: "run_command",
  args: cmdCall.args,
  command: `echo ${HOSTILE}`,
  cwd: "/work/ws",
  canShowDiff: false,
  canAlwaysAllow: true,
};
const paused: ChatMessageView[] = [
  { id: "u1", role: "user", text: "fix it" },
  { id: "a1", role: "assistant", text: "I'll edit and test.", toolCalls: [editCall, cmdCall] },
];

describe("approval cards", () => {
  beforeEach(() => document.body.replaceChildren());

  it("shows one card per waiting call, with the diff or the command and cwd as text, after the conversation", () => {
    const { receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: paused, approvals: [editApproval, cmdApproval] })));
    const cards = $$(".approval-card");
    expect(cards.map((c) => c.dataset.interruptId)).toEqual(["int-1", "int-2"]);
    // The cards end the conversation (after the last message).
    expect($("#messages")!.lastElementChild!.id).toBe("approvals");
    const diff = cards[0]!.querySelector("pre.approval-diff")!;
    expect(diff.querySelector(".diff-add")!.textContent).toBe("+const b = 2;\n");
    expect(diff.querySelector(".diff-del")!.textContent).toContain("<img src=x");
    expect(cards[1]!.querySelector(".approval-command code")!.textContent).toBe(`echo ${HOSTILE}`);
    expect(cards[1]!.querySelector(".approval-cwd")!.textContent).toBe("/work/ws");
    // Hostile text in a diff or a command is data: nothing of it became an element.
    expect($("#messages img, #messages script")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    // Show Diff only where there is a diff.
    expect(cards[0]!.querySelector(".show-diff-button")).not.toBeNull();
    expect(cards[1]!.querySelector(".show-diff-button")).toBeNull();
    // The calls' rows on the assistant message say they wait.
    expect($$<HTMLElement>('[data-message-id="a1"] .tool-row').map((r) => r.dataset.status)).toEqual([
      "waiting",
      "waiting",
    ]);
  });

  it("Approve and Reject are buttons named exactly so; answers name their interrupt, in any order, Reject with its reason", () => {
    const { host, receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: paused, approvals: [editApproval, cmdApproval] })));
    const [edit, cmd] = $$(".approval-card");
    // The second card first: cards are independent.
    cmd!.querySelector<HTMLInputElement>("input.reject-reason")!.value = "  use pnpm instead  ";
    buttonNamed(cmd!, "Reject").click();
    expect(host.last("reject")).toEqual({
      type: "reject",
      params: { threadId: "t1", interruptId: "int-2", reason: "use pnpm instead" },
    });
    // An answered card cannot be answered twice.
    expect(buttonNamed(cmd!, "Approve").disabled).toBe(true);
    buttonNamed(edit!, "Approve").click();
    expect(host.last("approve")).toEqual({ type: "approve", params: { threadId: "t1", interruptId: "int-1" } });
  });

  it("Reject without a reason posts none; Enter in the reason field rejects; Always allow and Show Diff post theirs", () => {
    const { host, receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: paused, approvals: [editApproval, cmdApproval] })));
    const [edit, cmd] = $$(".approval-card");
    buttonNamed(edit!, "Show Diff").click();
    expect(host.last("showDiff")).toEqual({ type: "showDiff", params: { threadId: "t1", interruptId: "int-1" } });
    buttonNamed(edit!, "Reject").click();
    expect(host.last("reject")).toEqual({ type: "reject", params: { threadId: "t1", interruptId: "int-1" } });
    const reason = cmd!.querySelector<HTMLInputElement>("input.reject-reason")!;
    reason.value = "no";
    reason.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    expect(host.last("reject")!.params).toMatchObject({ interruptId: "int-2", reason: "no" });

    receive(hostMessage("approvals", { threadId: "t1", approvals: [cmdApproval] }));
    expect($$(".approval-card")).toHaveLength(1);
    buttonNamed($(".approval-card")!, "Always allow").click();
    expect(host.last("approve")).toEqual({
      type: "approve",
      params: { threadId: "t1", interruptId: "int-2", always: true },
    });
  });

  it("cards of another thread are ignored, and an empty list removes them", () => {
    const { receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: paused, approvals: [editApproval] })));
    receive(hostMessage("approvals", { threadId: "other", approvals: [] }));
    expect($$(".approval-card")).toHaveLength(1);
    receive(hostMessage("approvals", { threadId: "t1", approvals: [] }));
    expect($$(".approval-card")).toHaveLength(0);
    expect($("#approvals")!.hidden).toBe(true);
    // No "interrupted" Retry while the turn is paused on approvals.
    receive(hostMessage("snapshot", snapshot({ messages: paused, approvals: [editApproval], interrupted: true })));
    expect($("#interrupted-notice")).toBeNull();
  });
});

describe("tool rows", () => {
  beforeEach(() => document.body.replaceChildren());

  it("a running call streams its output into its row; its result replaces it with a compact, collapsed row", () => {
    const { receive } = setup();
    receive(hostMessage("snapshot", snapshot({ messages: [paused[0]!], streaming: {} })));
    receive(hostMessage("messages", { threadId: "t1", messages: [{ ...paused[1]!, toolCalls: [cmdCall] }] }));
    const pending = $<HTMLDetailsElement>('[data-message-id="a1"] .tool-row.tool-pending')!;
    expect(pending.dataset.status).toBe("running");
    expect(pending.querySelector(".tool-target")!.textContent).toBe("npm test");
    receive(hostMessage("toolOutput", { threadId: "t1", toolCallId: "call-2", text: "PASS 1\n" }));
    receive(hostMessage("toolOutput", { threadId: "t1", toolCallId: "call-2", text: `${HOSTILE}\n` }));
    expect(pending.open).toBe(true);
    expect(pending.querySelector("pre.tool-output")!.textContent).toBe(`PASS 1\n${HOSTILE}\n`);
    expect($("#messages img, #messages script")).toBeNull();

    receive(
      hostMessage("messages", {
        threadId: "t1",
        messages: [
          {
            id: "r1",
            role: "tool",
            text: `exit code 0\nPASS 1\n${HOSTILE}`,
            toolName: "run_command",
            toolCallId: "call-2",
            toolStatus: "ok",
            durationMs: 1530,
          },
        ],
      }),
    );
    expect($('[data-message-id="a1"] .tool-row')).toBeNull();
    const row = $<HTMLDetailsElement>('[data-message-id="r1"] details.tool-row')!;
    expect(row.open).toBe(false);
    expect(row.querySelector(".tool-name")!.textContent).toBe("run_command");
    expect(row.querySelector(".tool-target")!.textContent).toBe("npm test");
    expect(row.querySelector(".tool-status")!.textContent).toBe("done · 1.5 s");
    expect(row.querySelector("pre.tool-result")!.textContent).toContain(HOSTILE);
    expect($("#messages img, #messages script")).toBeNull();
  });

  it("a snapshot shows finished calls as result rows only, with their status (rejected, failed, timed out)", () => {
    const { receive } = setup();
    receive(
      hostMessage(
        "snapshot",
        snapshot({
          messages: [
            ...paused,
            {
              id: "r1",
              role: "tool",
              text: "Rejected: use pnpm",
              toolName: "edit_file",
              toolCallId: "call-1",
              toolStatus: "rejected",
              isError: true,
            },
            {
              id: "r2",
              role: "tool",
              text: "timed out",
              toolName: "run_command",
              toolCallId: "call-2",
              toolStatus: "timed_out",
              durationMs: 120_000,
              isError: true,
            },
          ],
        }),
      ),
    );
    expect($$('[data-message-id="a1"] .tool-row')).toHaveLength(0);
    expect($('[data-message-id="r1"] .tool-status')!.textContent).toBe("rejected");
    expect($('[data-message-id="r1"] .tool-target')!.textContent).toBe("src/a.ts");
    expect($('[data-message-id="r2"] .tool-status')!.textContent).toBe("timed out · 2 min 0 s");
    expect($<HTMLElement>('[data-message-id="r2"] .tool-row')!.dataset.status).toBe("timed_out");
  });

  it("targets and durations read as a person would", () => {
    expect(toolTarget(JSON.stringify({ path: "a.ts", start_line: 3, end_line: 9 }))).toBe("a.ts:3-9");
    expect(toolTarget(JSON.stringify({ query: "foo\nbar" }))).toBe("foo bar");
    expect(toolTarget("not json")).toBe("");
    expect(toolTarget(JSON.stringify({ command: "x".repeat(500) })).length).toBeLessThanOrEqual(121);
    expect(formatDuration(12.4)).toBe("12 ms");
    expect(formatDuration(undefined)).toBe("");
  });
});

describe("context chips", () => {
  beforeEach(() => document.body.replaceChildren());

  it("the composer shows the active file and attachments; removing posts the chip's id", () => {
    const { host, receive } = setup();
    receive(
      hostMessage(
        "snapshot",
        snapshot({
          context: {
            activeFile: { path: "src/main.ts", included: true },
            attachments: [{ id: "s1", kind: "selection", path: "src/util.ts", startLine: 3, endLine: 9 }],
          },
        }),
      ),
    );
    const chips = $$("#context-chips .chip");
    expect(chips.map((c) => c.querySelector(".chip-label")!.textContent)).toEqual(["src/main.ts", "src/util.ts:3-9"]);
    const remove = chips[1]!.querySelector<HTMLButtonElement>(".chip-remove")!;
    expect(remove.getAttribute("aria-label")).toBe("Remove src/util.ts:3-9");
    remove.click();
    expect(host.last("removeContext")).toEqual({ type: "removeContext", params: { id: "s1" } });
    chips[0]!.querySelector<HTMLButtonElement>(".chip-remove")!.click();
    expect(host.last("removeContext")).toEqual({ type: "removeContext", params: { id: "active" } });
    // The host answers with the new context: the active file stays, marked as left out, so it can be put back.
    receive(
      hostMessage("context", { context: { activeFile: { path: "src/main.ts", included: false }, attachments: [] } }),
    );
    expect($$("#context-chips .chip")).toHaveLength(1);
    expect($("#context-chips .chip")!.classList.contains("excluded")).toBe(true);
    receive(hostMessage("context", { context: { attachments: [] } }));
    expect($("#context-chips")!.hidden).toBe(true);
  });

  it("a sent message shows what it carried as chips (paths are text)", () => {
    const { receive } = setup();
    receive(
      hostMessage(
        "snapshot",
        snapshot({
          messages: [
            {
              id: "u1",
              role: "user",
              text: "why?",
              attachments: [
                { kind: "file", path: "src/<b>x</b>.ts" },
                { kind: "selection", path: "src/y.ts", startLine: 4, endLine: 4 },
              ],
            },
          ],
        }),
      ),
    );
    const labels = $$('[data-message-id="u1"] .message-attachments .chip-label').map((c) => c.textContent);
    expect(labels).toEqual(["src/<b>x</b>.ts", "src/y.ts:4"]);
    expect($('[data-message-id="u1"] b')).toBeNull();
    expect($('[data-message-id="u1"] .message-body')!.textContent!.trim()).toBe("why?");
  });

  it("files dropped onto the chat are posted as their URIs", () => {
    const { host } = setup();
    const data = {
      types: ["text/uri-list"],
      getData: (type: string) =>
        type === "text/uri-list" ? "# comment\r\nfile:///ws/a.ts\r\n\r\nfile:///ws/b%20c.ts\r\n" : "",
    } as unknown as DataTransfer;
    const drop = new Event("drop", { bubbles: true, cancelable: true }) as DragEvent;
    Object.defineProperty(drop, "dataTransfer", { value: data });
    $("#messages")!.dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(true);
    expect(host.last("attachFiles")).toEqual({
      type: "attachFiles",
      params: { uris: ["file:///ws/a.ts", "file:///ws/b%20c.ts"] },
    });
    expect(
      droppedUris({
        types: ["application/vnd.code.uri-list"],
        getData: (t: string) => (t === "application/vnd.code.uri-list" ? '["file:///x"]' : ""),
      } as unknown as DataTransfer),
    ).toEqual(["file:///x"]);
  });
});
