/**
 * Turns with workspace tools and what can go wrong around them: Stop during a running command, Retry after a
 * failure that followed a tool (the tool is not run again), a run that died mid-tool (abandoned, never re-run),
 * the round limit, an untrusted workspace. Real runtime and MemorySaver, a real folder, the real SDK against
 * the mock server (which answers 400 to any tool_use left without its tool_result).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemorySaver } from "../../../../src/checkpoint";
import { ThreadService } from "../../../../src/chat/threadService";
import type { ChatEvent } from "../../../../src/chat/turns";
import { NodeWorkspaceHost } from "../../../../src/chat/tools/nodeHost";
import { AnthropicChatModel } from "../../../../src/model/anthropic";
import { createChatGraph } from "../../../../src/chat/chatGraph";
import type { StoredMessage } from "../../../../src/graph/messages";
import { useMockAnthropic } from "../../../fixtures/mock-anthropic/useMock";

const mock = useMockAnthropic();
let workspace: string;
beforeEach(() => {
  mock.reset();
  workspace = mkdtempSync(join(tmpdir(), "skein-turns-ws-"));
  writeFileSync(join(workspace, "a.txt"), "alpha\n");
});
afterEach(() => rmSync(workspace, { recursive: true, force: true }));

function open(options: { trusted?: boolean; maxRounds?: number } = {}) {
  const checkpointer = new MemorySaver();
  const model = new AnthropicChatModel({
    apiKey: "test-key",
    baseURL: mock.url,
    model: "claude-sonnet-5-5",
    maxRetries: 0,
  });
  const host = new NodeWorkspaceHost({ folders: [workspace], trusted: options.trusted ?? true });
  const threads = new ThreadService({
    checkpointer,
    model: () => model,
    workspace: { host: () => host, settings: () => ({ enabled: true, maxRounds: options.maxRounds ?? 25 }) },
  });
  return { threads, checkpointer, model, host };
}

const roles = (messages: readonly StoredMessage[]) => messages.map((m) => m.role);
const tools = (messages: readonly StoredMessage[]) => messages.filter((m) => m.role === "tool");
const text = (m: StoredMessage) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content));
const COUNT = 'run command "echo ran >> count.txt"';
const runs = () => readFileSync(join(workspace, "count.txt"), "utf8").split("\n").filter(Boolean).length;

describe("tool turns", () => {
  it("Stop during a running command ends it and stores a stopped result with its output so far", async () => {
    const { threads } = open();
    const asked = await threads.sendMessage("t", 'run command "echo started; sleep 30; echo never"');
    let sawOutput!: () => void;
    const outputSeen = new Promise<void>((resolve) => (sawOutput = resolve));
    const events: ChatEvent[] = [];
    const running = threads.answerApproval(
      "t",
      asked.approvals![0].interruptId,
      { approved: true },
      {
        onEvent: (e) => {
          events.push(e);
          if (e.type === "tool_output" && e.text.includes("started")) sawOutput();
        },
      },
    );
    await outputSeen;
    expect(threads.stop("t")).toBe(true);
    const result = await running;
    expect(result.status).toBe("cancelled");
    const messages = (await threads.load("t"))!.messages;
    expect(roles(messages)).toEqual(["user", "assistant", "tool"]);
    expect(messages[2].metadata).toMatchObject({ tool_status: "stopped", is_error: true });
    expect(text(messages[2])).toMatch(/started/);
    expect(text(messages[2])).not.toMatch(/never/);
    expect(text(messages[2])).toMatch(/stopped by the user/);
    expect(events.filter((e) => e.type === "message").at(-1)).toMatchObject({ message: { id: messages[2].id } });
    // The thread is usable: the next message goes out valid (the mock refuses an unanswered tool_use).
    expect((await threads.sendMessage("t", "hello again")).status).toBe("completed");
  });

  it("Retry after the model failed following a tool: the tool's result is reused, the command does not run again", async () => {
    const { threads } = open();
    const asked = await threads.sendMessage("t", COUNT);
    mock.script({ status: 500, error: { type: "api_error", message: "boom" }, headers: { "x-should-retry": "false" } });
    const failed = await threads.answerApproval("t", asked.approvals![0].interruptId, { approved: true });
    expect(failed.status).toBe("failed");
    expect(runs()).toBe(1);
    const retried = await threads.retry("t");
    expect(retried.status).toBe("completed");
    expect(runs()).toBe(1);
    const messages = (await threads.load("t"))!.messages;
    expect(roles(messages)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(text(messages.at(-1)!)).toMatch(/^The tool returned: Exit code: 0/);
    // Regenerating the last reply forks after the tool step: still one run.
    expect((await threads.retry("t")).status).toBe("completed");
    expect(runs()).toBe(1);
  });

  it("a run that died during its tools: Retry answers the open calls as abandoned and never re-runs them", async () => {
    const { threads, checkpointer, model } = open();
    // What a killed extension host leaves: the reply with its tool calls stored, the tools step never finished.
    const graph = createChatGraph({ model, checkpointer });
    const config = { configurable: { thread_id: "t" } };
    await graph.updateState(
      config,
      {
        messages: [
          { role: "user", content: COUNT },
          {
            role: "assistant",
            content: "",
            tool_calls: [{ id: "toolu_crash", name: "run_command", args: { command: "echo ran >> count.txt" } }],
          },
        ],
      },
      "call_model",
    );
    expect((await threads.load("t"))!.interrupted).toBe(true);
    const retried = await threads.retry("t");
    expect(retried.status).toBe("completed");
    expect(() => runs()).toThrow(/ENOENT/);
    const messages = (await threads.load("t"))!.messages;
    expect(roles(messages)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(messages[2].metadata?.tool_status).toBe("abandoned");
    expect(text(messages[2])).toMatch(/not run again/);
  });

  it("the round limit stops the turn with a note and answers the calls it did not run", async () => {
    const { threads } = open({ maxRounds: 2 });
    const result = await threads.sendMessage("t", "tool loop please");
    expect(result.status).toBe("completed");
    const messages = (await threads.load("t"))!.messages;
    expect(roles(messages)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
      "tool",
      "assistant",
      "tool",
      "assistant",
    ]);
    expect(tools(messages).map((m) => m.metadata?.tool_status)).toEqual(["ok", "ok", "abandoned"]);
    expect(messages.at(-1)!.metadata).toMatchObject({ notice: "max_rounds" });
    expect(text(messages.at(-1)!)).toMatch(/reached the limit of 2 tool rounds \(setting skein.tools.maxRounds\)/);
    expect(mock.messageRequests()).toHaveLength(3);
    // The next message is valid and the count starts again.
    expect((await threads.sendMessage("t", "thanks")).status).toBe("completed");
  });

  it("an untrusted workspace offers only the read-only tools; a call to edit_file anyway is an error result", async () => {
    const { threads } = open({ trusted: false });
    await threads.sendMessage("t", "read file a.txt");
    const offered = mock.messageRequests()[0]!.body.tools.map((t: { name: string }) => t.name);
    expect(offered).toEqual(["read_file", "list_files", "search_workspace", "get_diagnostics"]);
    expect(text(tools((await threads.load("t"))!.messages)[0]!)).toContain("1\talpha");
    mock.script({ toolUses: [{ name: "edit_file", input: { path: "a.txt", old_text: "alpha", new_text: "beta" } }] });
    const result = await threads.sendMessage("t", "change it");
    expect(result.status).toBe("completed");
    const results = tools((await threads.load("t"))!.messages);
    expect(results.at(-1)!.metadata?.tool_status).toBe("error");
    expect(text(results.at(-1)!)).toMatch(/Unknown tool "edit_file"/);
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("alpha\n");
  });
});
