/**
 * Tool calls and results as compact, collapsible rows: "read_file  src/a.ts  done · 12 ms". A call still waiting
 * for its result shows as a row on the assistant message (running, or waiting for approval; a command's output
 * streams into it); the result message is a row of its own that opens to the arguments and the result, collapsed
 * by default. Everything is textContent: tool output is data, never markup.
 * DOM hooks: details.tool-row[data-tool-call-id][data-status] > summary > .tool-name, .tool-target, .tool-status;
 * pre.tool-output (streamed), pre.tool-args, pre.tool-result.
 */
import type { ChatMessageView, ToolStrings } from "../../protocol/types";

type ToolCallView = NonNullable<ChatMessageView["toolCalls"]>[number];

/** Characters of streamed command output a pending row keeps (the result row has the capped whole). */
const MAX_STREAMED_CHARS = 200_000;
/** Target text shown in a row's summary. */
const MAX_TARGET_CHARS = 120;

/** The thing a call acts on, for the summary: its path, command or query. */
export function toolTarget(args: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return "";
  }
  if (typeof parsed !== "object" || parsed === null) return "";
  const a = parsed as Record<string, unknown>;
  const pick = [a.command, a.path, a.query, a.glob].find((v) => typeof v === "string" && v !== "") as
    string | undefined;
  let target = pick ?? "";
  if (typeof a.path === "string" && typeof a.start_line === "number")
    target += `:${a.start_line}${typeof a.end_line === "number" ? `-${a.end_line}` : ""}`;
  const oneLine = target.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_TARGET_CHARS ? `${oneLine.slice(0, MAX_TARGET_CHARS)}…` : oneLine;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function summary(doc: Document, name: string, target: string, status: string, statusKey: string): HTMLElement {
  const el = doc.createElement("summary");
  const nameEl = doc.createElement("span");
  nameEl.className = "tool-name";
  nameEl.textContent = name;
  const targetEl = doc.createElement("span");
  targetEl.className = "tool-target";
  targetEl.textContent = target;
  const statusEl = doc.createElement("span");
  statusEl.className = `tool-status status-${statusKey}`;
  statusEl.textContent = status;
  el.append(nameEl, targetEl, statusEl);
  return el;
}

function pre(doc: Document, className: string, text: string): HTMLPreElement {
  const el = doc.createElement("pre");
  el.className = className;
  el.textContent = text;
  return el;
}

/** A call without its result yet: running (output streams in) or waiting for the user's approval. */
function pendingCallRow(doc: Document, call: ToolCallView, strings: ToolStrings, waiting: boolean): HTMLDetailsElement {
  const row = doc.createElement("details");
  row.className = "tool-row tool-pending";
  row.dataset.toolCallId = call.id;
  row.dataset.status = waiting ? "waiting" : "running";
  row.append(
    summary(
      doc,
      call.name,
      toolTarget(call.args),
      waiting ? strings.waitingApproval : strings.toolRunning,
      waiting ? "waiting" : "running",
    ),
    pre(doc, "tool-args", call.args),
    pre(doc, "tool-output", ""),
  );
  return row;
}

/** Appends streamed output to a pending row and opens it so the user sees the command work. */
export function appendToolOutput(row: HTMLElement, text: string): void {
  const out = row.querySelector<HTMLElement>("pre.tool-output");
  if (!out) return;
  const next = (out.textContent ?? "") + text;
  out.textContent = next.length > MAX_STREAMED_CHARS ? next.slice(next.length - MAX_STREAMED_CHARS) : next;
  if (row instanceof row.ownerDocument.defaultView!.HTMLDetailsElement) row.open = true;
}

/** The row of a finished call (a tool result message): collapsed, opening to the arguments and the result. */
function resultRow(
  doc: Document,
  view: ChatMessageView,
  call: ToolCallView | undefined,
  strings: ToolStrings,
): HTMLDetailsElement {
  const status = view.toolStatus ?? (view.isError ? "error" : "ok");
  const row = doc.createElement("details");
  row.className = "tool-row";
  row.dataset.toolCallId = view.toolCallId ?? "";
  row.dataset.status = status;
  const label = [strings.toolStatus[status] ?? status, formatDuration(view.durationMs)].filter(Boolean).join(" · ");
  row.append(summary(doc, view.toolName ?? call?.name ?? "tool", call ? toolTarget(call.args) : "", label, status));
  if (call?.args) row.append(pre(doc, "tool-args", call.args));
  row.append(pre(doc, "tool-result", view.text));
  return row;
}

/** A tool result's message element: one compact row, collapsed, named by its call. */
export function toolResultElement(
  doc: Document,
  view: ChatMessageView,
  call: ToolCallView | undefined,
  strings: ToolStrings,
): HTMLElement {
  const el = doc.createElement("article");
  el.className = "message message-tool tool-row-message";
  if (view.isError) el.classList.add("tool-error");
  el.dataset.role = view.role;
  el.dataset.messageId = view.id;
  el.append(resultRow(doc, view, call, strings));
  return el;
}

/**
 * Puts (again) the rows of a message's calls still waiting for their results onto its element, before its
 * interrupted note; a finished call is its result's own row instead.
 */
export function placePendingRows(el: HTMLElement, view: ChatMessageView, tools: ToolIndex, strings: ToolStrings): void {
  for (const old of Array.from(el.querySelectorAll(":scope > details.tool-call"))) old.remove();
  const doc = el.ownerDocument;
  const rows = (view.toolCalls ?? [])
    .filter((call) => !tools.hasResult(call.id))
    .map((call) => pendingCallRow(doc, call, strings, tools.waiting.has(call.id)));
  const note = el.querySelector(":scope > .interrupted-note");
  if (note) note.before(...rows);
  else el.append(...rows);
}

/** Finds the row of a call among rendered elements (ids come from the model: compared, never put in a selector). */
export function findRow(root: ParentNode, toolCallId: string, pendingOnly = false): HTMLElement | undefined {
  for (const row of root.querySelectorAll<HTMLElement>(pendingOnly ? ".tool-row.tool-pending" : ".tool-row"))
    if (row.dataset.toolCallId === toolCallId) return row;
  return undefined;
}

/** Which calls the list holds and which of them have results, so rows find their call and pending rows their end. */
export class ToolIndex {
  private readonly calls = new Map<string, ToolCallView>();
  private readonly answered = new Set<string>();
  /** Calls that wait for an approval card (their pending rows say so). */
  waiting: ReadonlySet<string> = new Set();

  rebuild(views: readonly ChatMessageView[]): void {
    this.calls.clear();
    this.answered.clear();
    for (const view of views) this.add(view);
  }

  add(view: ChatMessageView): void {
    for (const call of view.toolCalls ?? []) this.calls.set(call.id, call);
    if (view.role === "tool" && view.toolCallId) this.answered.add(view.toolCallId);
  }

  call(toolCallId: string | undefined): ToolCallView | undefined {
    return toolCallId === undefined ? undefined : this.calls.get(toolCallId);
  }

  hasResult(toolCallId: string): boolean {
    return this.answered.has(toolCallId);
  }
}

/** Marks the pending rows under `root` as waiting for approval or running. */
export function updatePendingRows(root: ParentNode, waiting: ReadonlySet<string>, strings: ToolStrings): void {
  for (const row of root.querySelectorAll<HTMLElement>(".tool-row.tool-pending")) {
    const isWaiting = waiting.has(row.dataset.toolCallId ?? "");
    row.dataset.status = isWaiting ? "waiting" : "running";
    const status = row.querySelector<HTMLElement>(".tool-status");
    if (status) {
      status.textContent = isWaiting ? strings.waitingApproval : strings.toolRunning;
      status.className = `tool-status status-${isWaiting ? "waiting" : "running"}`;
    }
  }
}
