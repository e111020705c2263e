/**
 * The chat with workspace tools through ThreadService, as the extension drives it: changing calls pause on
 * approvals stored in the checkpoint, resumed by interrupt id in either order, after a fresh process too; a
 * rejection's reason reaches the model; a new message answers what waits ("the user moved on"). Real runtime,
 * real FileSaver, a real folder on disk, the real SDK against the mock server (which refuses any tool_use
 * without its tool_result with the API's 400).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../../src/checkpoint/file";
import { ThreadService } from "../../../../src/chat/threadService";
import type { ChatEvent } from "../../../../src/chat/turns";
import { NodeWorkspaceHost } from "../../../../src/chat/tools/nodeHost";
import { AnthropicChatModel } from "../../../../src/model/anthropic";
import type { StoredMessage } from "../../../../src/graph/messages";
import { useMockAnthropic } from "../../../fixtures/mock-anthropic/useMock";

const mock = useMockAnthropic();
let store: string;
let workspace: string;
beforeEach(() => {
  mock.reset();
  store = mkdtempSync(join(tmpdir(), "skein-tools-store-"));
  workspace = mkdtempSync(join(tmpdir(), "skein-tools-ws-"));
  writeFileSync(join(workspace, "a.txt"), "alpha one\n");
  writeFileSync(join(workspace, "b.txt"), "beta one\n");
});
afterEach(() => {
  rmSync(store, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

/** A service as one extension-host process has it: its own saver instance over the store directory. */
function open(host = new NodeWorkspaceHost({ folders: [workspace] })) {
  const saver = new FileSaver(store, { fsync: false, onWarning: () => undefined });
  const model = new AnthropicChatModel({
    apiKey: "test-key",
    baseURL: mock.url,
    model: "claude-sonnet-5-5",
    maxRetries: 0,
  });
  const threads = new ThreadService({
    checkpointer: saver,
    model: () => model,
    workspace: { host: () => host, settings: () => ({ enabled: true, maxRounds: 25 }) },
  });
  return { saver, threads, host };
}

const TWO_EDITS =
  'edit file a.txt replacing "alpha one" with "alpha two" and edit file b.txt replacing "beta one" with "beta two"';

const toolResults = (messages: readonly StoredMessage[]) => messages.filter((m) => m.role === "tool");
const textOf = (m: StoredMessage) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content));

describe("tool approvals", () => {
  it("two parallel edits pause with two cards; answered B then A, each resumes by id and the turn completes", async () => {
    const { threads, saver } = open();
    const events: ChatEvent[] = [];
    const first = await threads.sendMessage("t", TWO_EDITS, { onEvent: (e) => events.push(e) });
    expect(first.status).toBe("awaiting_approval");
    expect(first.approvals!.map((a) => a.request.name)).toEqual(["edit_file", "edit_file"]);
    expect(first.approvals![0].request).toMatchObject({
      kind: "tool_approval",
      args: { path: "a.txt", old_text: "alpha one", new_text: "alpha two" },
      path: join(workspace, "a.txt"),
    });
    expect(first.approvals![0].request.diff).toContain("-alpha one\n+alpha two");
    expect(events.at(-1)).toEqual({ type: "approvals", approvals: first.approvals });
    // Nothing changed yet; the thread is paused, not interrupted.
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("alpha one\n");
    const loaded = (await threads.load("t"))!;
    expect(loaded.interrupted).toBe(false);
    expect(loaded.pendingApprovals).toEqual(first.approvals);

    const [a, b] = first.approvals!;
    const afterB = await threads.answerApproval("t", b.interruptId, { approved: true });
    expect(afterB.status).toBe("awaiting_approval");
    expect(afterB.approvals).toEqual([a]);
    expect(readFileSync(join(workspace, "b.txt"), "utf8")).toBe("beta two\n");
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("alpha one\n");
    expect(await threads.pendingApprovals("t")).toEqual([a]);

    const afterA = await threads.answerApproval("t", a.interruptId, { approved: true });
    expect(afterA.status).toBe("completed");
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("alpha two\n");
    const messages = (await threads.load("t"))!.messages;
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "tool", "assistant"]);
    expect(toolResults(messages).map((m) => m.metadata?.tool_status)).toEqual(["ok", "ok"]);
    expect(await threads.pendingApprovals("t")).toEqual([]);
    // The model was called exactly twice: the tool calls, then once with both results (no re-run of B).
    expect(mock.messageRequests()).toHaveLength(2);
    await saver.close();
  });

  it("answered A then B works the same (either order)", async () => {
    const { threads, saver } = open();
    const first = await threads.sendMessage("t", TWO_EDITS);
    const [a, b] = first.approvals!;
    expect((await threads.answerApproval("t", a.interruptId, { approved: true })).approvals).toEqual([b]);
    expect((await threads.answerApproval("t", b.interruptId, { approved: true })).status).toBe("completed");
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("alpha two\n");
    expect(readFileSync(join(workspace, "b.txt"), "utf8")).toBe("beta two\n");
    await saver.close();
  });

  it("survives a fresh process: a new service over the same store shows the cards and resumes them", async () => {
    const before = open();
    const first = await before.threads.sendMessage("t", TWO_EDITS);
    await before.saver.close();

    const after = open(new NodeWorkspaceHost({ folders: [workspace] }));
    const loaded = (await after.threads.load("t"))!;
    expect(loaded.pendingApprovals).toEqual(first.approvals);
    const [a, b] = loaded.pendingApprovals!;
    expect((await after.threads.answerApproval("t", b.interruptId, { approved: false, reason: "not b" })).status).toBe(
      "awaiting_approval",
    );
    await after.saver.close();

    const third = open();
    const done = await third.threads.answerApproval("t", a.interruptId, { approved: true });
    expect(done.status).toBe("completed");
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("alpha two\n");
    expect(readFileSync(join(workspace, "b.txt"), "utf8")).toBe("beta one\n");
    const results = toolResults((await third.threads.load("t"))!.messages);
    expect(results.map((m) => m.metadata?.tool_status)).toEqual(["ok", "rejected"]);
    await third.saver.close();
  });

  it("a rejection's reason reaches the model as an error tool_result", async () => {
    const { threads, saver } = open();
    const first = await threads.sendMessage("t", 'run command "echo hi"');
    expect(first.approvals![0].request).toMatchObject({ name: "run_command", command: "echo hi", cwd: workspace });
    const done = await threads.answerApproval("t", first.approvals![0].interruptId, {
      approved: false,
      reason: "use the test script instead",
    });
    expect(done.status).toBe("completed");
    const sent = mock.messageRequests().at(-1)!.body.messages.at(-1).content[0];
    expect(sent).toMatchObject({ type: "tool_result", is_error: true });
    expect(sent.content).toContain("Reason: use the test script instead");
    const last = (await threads.load("t"))!.messages.at(-1)!;
    expect(textOf(last)).toContain("use the test script instead");
    await saver.close();
  });

  it("a new message while cards wait answers them as rejected (the user moved on) and the history stays valid", async () => {
    const { threads, saver } = open();
    await threads.sendMessage("t", TWO_EDITS);
    const next = await threads.sendMessage("t", "never mind, what's my name?");
    expect(next.status).toBe("completed");
    expect(await threads.pendingApprovals("t")).toEqual([]);
    const messages = (await threads.load("t"))!.messages;
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "tool", "user", "assistant"]);
    expect(toolResults(messages).every((m) => m.metadata?.tool_status === "rejected")).toBe(true);
    expect(textOf(toolResults(messages)[0])).toContain("the user moved on");
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("alpha one\n");
    // The mock answers 400 to an unanswered tool_use: this reply proves the request was valid.
    expect(textOf(messages.at(-1)!)).toMatch(/don't know your name/);
    await saver.close();
  });

  it("Always allow: the next edit_file runs without a card; a command is allowed only as that exact line", async () => {
    const { threads, saver } = open();
    const first = await threads.sendMessage("t", 'edit file a.txt replacing "alpha one" with "alpha two"');
    await threads.answerApproval("t", first.approvals![0].interruptId, { approved: true, always: true });
    const second = await threads.sendMessage("t", 'edit file b.txt replacing "beta one" with "beta two"');
    expect(second.status).toBe("completed");
    expect(readFileSync(join(workspace, "b.txt"), "utf8")).toBe("beta two\n");

    const cmd = await threads.sendMessage("t", 'run command "echo one"');
    await threads.answerApproval("t", cmd.approvals![0].interruptId, { approved: true, always: true });
    expect((await threads.sendMessage("t", 'run command "echo one"')).status).toBe("completed");
    expect((await threads.sendMessage("t", 'run command "echo one; echo two"')).status).toBe("awaiting_approval");
    await saver.close();
  });

  it("answering an approval that is not pending fails clearly and changes nothing", async () => {
    const { threads, saver } = open();
    const first = await threads.sendMessage("t", 'edit file a.txt replacing "alpha one" with "alpha two"');
    const result = await threads.answerApproval("t", "not-an-interrupt", { approved: true });
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "APPROVAL_NOT_PENDING" });
    expect(await threads.pendingApprovals("t")).toEqual(first.approvals);
    await saver.close();
  });
});
