/**
 * Approvals through the extension host's real layers: ChatController → ThreadServices → the chat graph with the
 * workspace tools on a Node host over a real folder → the SDK → the mock Messages API. Two edits in one reply
 * wait as two cards (stored in the checkpoint: a fresh backend still has them), are answered in the order the
 * user clicks (the second first, both at once) and every answer reaches the model; the attachment the message
 * carried is stored in it and shown as a chip.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatController } from "../../../../src/extension/chat/chatController";
import { ApprovalTracker } from "../../../../src/extension/chat/approvalTracker";
import { readSettings, type SkeinSettings } from "../../../../src/extension/settings/settings";
import { ThreadServices } from "../../../../src/extension/engine/threadServices";
import { attachmentBlock } from "../../../../src/extension/context/attachmentFormat";
import { NodeWorkspaceHost } from "../../../../src/chat/tools/nodeHost";
import { webviewMessage, type HostMessage } from "../../../../src/protocol/messages";
import type { ApprovalView, WebviewStrings } from "../../../../src/protocol/types";
import { startMockAnthropic, type MockAnthropic } from "../../../fixtures/mock-anthropic/server";
import { Memento } from "../../../fixtures/memento";

let mock: MockAnthropic;
let root: string;
let ws: string;

beforeAll(async () => {
  mock = await startMockAnthropic({ slowDelayMs: 30 });
  root = await mkdtemp(join(tmpdir(), "skein-approvals-"));
  ws = join(root, "ws");
  await import("node:fs/promises").then((fs) => fs.mkdir(ws));
});
afterAll(async () => {
  await mock?.close();
  await rm(root, { recursive: true, force: true });
});

function open(state: Memento) {
  const settings: SkeinSettings = { ...readSettings(() => undefined), baseUrl: mock.url, requestTimeoutSeconds: 10 };
  const backend = new ThreadServices({
    dirFor: (scope) => join(root, scope),
    settings: () => settings,
    apiKey: async () => "test-key",
    workspaceHost: () => new NodeWorkspaceHost({ folders: [ws], ripgrep: null }),
  });
  const posted: HostMessage[] = [];
  const approvals = new ApprovalTracker(state);
  const controller = new ChatController({
    backend,
    scope: "folder-0000000000000002",
    state,
    strings: {} as WebviewStrings,
    runCommand: () => {},
    copyToClipboard: () => {},
    approvals,
    context: {
      view: () => ({ attachments: [] }),
      remove: () => {},
      attachUris: async () => {},
      take: async () => [attachmentBlock({ kind: "selection", path: "a.txt", startLine: 1, endLine: 1, text: "one" })],
    },
  });
  controller.attach({ post: (m) => posted.push(m) });
  const lastApprovals = (): ApprovalView[] | undefined =>
    [...posted].reverse().find((m) => m.type === "approvals")?.params.approvals as ApprovalView[] | undefined;
  return { backend, controller, posted, approvals, lastApprovals };
}

describe("tool approvals from the chat view", () => {
  it("two cards survive a fresh backend, are answered in any order (reject with a reason, approve) and reach the model", async () => {
    await writeFile(join(ws, "a.txt"), "one\n");
    await writeFile(join(ws, "b.txt"), "x\n");
    const state = new Memento();
    const first = open(state);
    const ref = await first.controller.newThread();
    await first.controller.handleMessage(
      webviewMessage("send", {
        threadId: ref.threadId,
        text: 'edit file a.txt replacing "one" with "1" and edit file b.txt replacing "x" with "y"',
      }),
    );
    const cards = first.lastApprovals()!;
    expect(cards.map((c) => [c.name, c.path])).toEqual([
      ["edit_file", "a.txt"],
      ["edit_file", "b.txt"],
    ]);
    expect(cards[0]!.diff).toMatch(/-one\n\+1/);
    expect(first.approvals.total(ref.scope)).toBe(2);
    await first.backend.close();

    // A reload: a fresh backend and controller read the cards from the checkpoint.
    const second = open(state);
    second.controller.openThread(ref);
    const snapshot = await second.controller.buildSnapshot(ref);
    expect(snapshot.approvals!.map((c) => c.interruptId)).toEqual(cards.map((c) => c.interruptId));
    // The message stored what it carried; the chat shows it as a chip, the model read the block.
    const user = snapshot.messages.find((m) => m.role === "user")!;
    expect(user.attachments).toEqual([{ kind: "selection", path: "a.txt", startLine: 1, endLine: 1 }]);
    expect(user.text).not.toContain("<attachment");

    const reason = "b stays as it is";
    await Promise.all([
      second.controller.handleMessage(
        webviewMessage("reject", { threadId: ref.threadId, interruptId: cards[1]!.interruptId, reason }),
      ),
      second.controller.handleMessage(
        webviewMessage("approve", { threadId: ref.threadId, interruptId: cards[0]!.interruptId }),
      ),
    ]);
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("1\n");
    expect(await readFile(join(ws, "b.txt"), "utf8")).toBe("x\n");
    expect(second.lastApprovals()).toEqual([]);
    expect(second.approvals.total(ref.scope)).toBe(0);
    const sent = JSON.stringify(mock.requests.at(-1)?.body?.messages ?? []);
    expect(sent).toContain(reason);
    expect(sent).toContain('<attachment path=\\"a.txt\\" lines=\\"1-1\\">');
    const final = await second.controller.buildSnapshot(ref);
    expect(final.messages.filter((m) => m.role === "tool").map((m) => m.toolStatus)).toEqual(["ok", "rejected"]);
    await second.backend.close();
  });
});
