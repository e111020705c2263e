/**
 * Tool rows cost nothing extra when a thread opens: a 1,000-turn thread whose turns made 2,000 tool calls
 * (read_file / run_command, each with its result row) against a plain 1,000-turn thread — the host's projection
 * of the stored messages into views, and the webview painting the snapshot in Chromium (the engine VS Code
 * webviews run on; jsdom when it is missing). Target: the tool thread opens as fast as the plain one (~35 ms).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { JSDOM } from "jsdom";
import type { StoredMessage } from "../src/graph/messages";
import { toMessageViews } from "../src/extension/chat/view/messageView";
import { hostMessage } from "../src/protocol/messages";
import type { ChatSnapshot } from "../src/protocol/types";
import { browserBundle, openChatPage } from "./chatPage";
import { strings } from "./webviewStrings";

const TURNS = 1000;
const TARGET_MS = 35;
const ANSWER = `Here is **an answer** with \`code\` and a list:\n\n- one\n- two\n\n${"lorem ipsum ".repeat(28)}`;

function thread(withTools: boolean): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (let i = 0; i < TURNS; i++) {
    out.push({ id: `u${i}`, role: "user", content: `Question ${i}: ${"how does this work? ".repeat(10)}` });
    if (withTools) {
      out.push({
        id: `c${i}`,
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          { id: `t${i}a`, name: "read_file", args: { path: `src/file${i}.ts`, start_line: 1, end_line: 40 } },
          { id: `t${i}b`, name: "run_command", args: { command: `npm test -- file${i}` } },
        ],
      });
      out.push({
        id: `r${i}a`,
        role: "tool",
        tool_call_id: `t${i}a`,
        name: "read_file",
        content: Array.from({ length: 40 }, (_, n) => `${n + 1}\tconst line${n} = ${n};`).join("\n"),
        metadata: { tool_status: "ok", durationMs: 3 },
      });
      out.push({
        id: `r${i}b`,
        role: "tool",
        tool_call_id: `t${i}b`,
        name: "run_command",
        content: `exit code 0\n${"PASS test\n".repeat(20)}`,
        metadata: { tool_status: "ok", durationMs: 1800 },
      });
    }
    out.push({ id: `a${i}`, role: "assistant", content: ANSWER });
  }
  return out;
}

function snapshotOf(messages: StoredMessage[]): { wire: string; hostMs: number; count: number } {
  const h0 = performance.now();
  const views = toMessageViews(messages);
  const hostMs = performance.now() - h0;
  const snapshot: ChatSnapshot = {
    threadId: "t",
    title: "bench",
    messages: views,
    draft: "",
    streaming: null,
    error: null,
    interrupted: false,
    strings: strings(),
  };
  return { wire: JSON.stringify(hostMessage("snapshot", snapshot)), hostMs, count: views.length };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "skein-toolrows-"));
  try {
    const plain = snapshotOf(thread(false));
    const tools = snapshotOf(thread(true));

    const chromium = await paintInChromium([plain.wire, tools.wire], root);
    const [plainMs, toolsMs] = chromium ?? [await paintInJsdom(plain.wire), await paintInJsdom(tools.wire)];
    const where = chromium ? "Chromium: receive → DOM → layout → next frame" : "jsdom (no Chromium found)";
    console.log(`open a ${TURNS}-turn thread, ${where}:`);
    console.log(
      `  plain: ${plain.count} messages, projection ${plain.hostMs.toFixed(1)} ms, paint ${plainMs!.toFixed(1)} ms`,
    );
    console.log(
      `  with 2,000 tool calls: ${tools.count} messages, projection ${tools.hostMs.toFixed(1)} ms, paint ${toolsMs!.toFixed(1)} ms`,
    );
    const met = toolsMs! <= Math.max(TARGET_MS, plainMs! * 1.25);
    console.log(`  target: as fast as the plain thread (~${TARGET_MS} ms): ${met ? "met" : "MISSED"}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function paintInJsdom(wire: string): Promise<number> {
  const dom = new JSDOM('<!DOCTYPE html><div id="app"></div>', { pretendToBeVisual: true });
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const { ChatApp } = await import("../src/webview/app");
  const app = new ChatApp(dom.window.document.getElementById("app")!, {
    postMessage: () => {},
    getState: () => undefined,
    setState: () => {},
  });
  app.receive(JSON.parse(wire)); // warm-up: markdown-it and DOMPurify set-up
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const message = JSON.parse(wire) as { params: { threadId: string } };
    message.params.threadId = `t${i}`;
    const t0 = performance.now();
    app.receive(message);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[1]!;
}

/** Median of three full paints of each snapshot in one page (after a warm-up paint). */
async function paintInChromium(wires: string[], root: string): Promise<number[] | undefined> {
  const opened = await openChatPage(root, { width: 400, height: 900 });
  if (!opened) return undefined;
  const { browser, page } = opened;
  try {
    await page.addScriptTag({ content: await browserBundle("src/webview/main.ts") });
    const paint = (wire: string) =>
      page.evaluate(
        (data) =>
          new Promise<number>((resolve) => {
            const message = JSON.parse(data) as { params: { threadId: string } };
            message.params.threadId = `t${Math.random()}`; // a different thread each time: a full repaint
            const clock = window.performance;
            const t0 = clock.now();
            window.dispatchEvent(new MessageEvent("message", { data: message }));
            void document.body.offsetHeight; // force layout
            requestAnimationFrame(() => resolve(clock.now() - t0));
          }),
        wire,
      );
    await paint(wires[0]!);
    const out: number[] = [];
    for (const wire of wires) {
      const times = [await paint(wire), await paint(wire), await paint(wire)];
      out.push(times.sort((a, b) => a - b)[1]!);
    }
    return out;
  } finally {
    await browser.close();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
