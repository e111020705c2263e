/**
 * Markdown export of the shown branch: readable anywhere, one `##` heading per message.
 * Message bodies are markdown already, so they go in as they are, with two repairs that keep the document's
 * structure: headings inside a message are pushed two levels down (they never compete with the message
 * headings), and a code fence a message left open is closed (it would swallow every later message).
 * Anything Skein wraps itself (tool arguments and results) gets a fence longer than any backtick run inside.
 */
import type { ContentBlock, StoredMessage, ToolCall } from "../../graph/messages";

export interface MarkdownExportOptions {
  title?: string;
  /** Shown as a note under the title when the thread has other branches (they are in the JSON export). */
  otherBranches?: number;
}

export function threadToMarkdown(messages: readonly StoredMessage[], options: MarkdownExportOptions = {}): string {
  const parts: string[] = [`# ${oneLine(options.title?.trim() || "Untitled thread")}`];
  if (options.otherBranches) {
    parts.push(
      `> This is the branch shown in Skein; ${options.otherBranches} other branch${options.otherBranches === 1 ? "" : "es"} are kept in the JSON export.`,
    );
  }
  for (const message of messages) parts.push(messageToMarkdown(message));
  return parts.join("\n\n") + "\n";
}

function messageToMarkdown(message: StoredMessage): string {
  const parts: string[] = [`## ${heading(message)}`];
  const body = contentToMarkdown(message);
  if (message.role === "tool") {
    if (body) parts.push(fenced(body, ""));
  } else if (body) {
    parts.push(repairBody(body));
  }
  for (const call of message.tool_calls ?? []) parts.push(toolCallToMarkdown(call));
  if (message.metadata?.interrupted) parts.push("*(reply interrupted)*");
  return parts.join("\n\n");
}

function heading(message: StoredMessage): string {
  switch (message.role) {
    case "user":
      return "User";
    case "assistant":
      return "Assistant";
    case "system":
      return "System";
    case "tool":
      return message.name ? `Tool result: ${oneLine(message.name)}` : "Tool result";
    default:
      return oneLine(String(message.role));
  }
}

function contentToMarkdown(message: StoredMessage): string {
  if (typeof message.content === "string") return message.content.trim();
  return message.content
    .map((block) => blockToMarkdown(block))
    .filter(Boolean)
    .join("\n\n")
    .trim();
}

function blockToMarkdown(block: ContentBlock): string {
  if (block.type === "text" && typeof (block as { text?: unknown }).text === "string")
    return (block as { text: string }).text;
  if (block.type === "image") {
    const source = (block as { source?: { media_type?: unknown } }).source;
    return `*[image${typeof source?.media_type === "string" ? `: ${oneLine(source.media_type)}` : ""}]*`;
  }
  if (block.type === "tool_result") {
    const content = (block as { content?: unknown }).content;
    const text = typeof content === "string" ? content : JSON.stringify(content, null, 2);
    return fenced(text ?? "", "");
  }
  return `*[${oneLine(block.type)} block]*`;
}

function toolCallToMarkdown(call: ToolCall): string {
  return `**Tool call:** \`${oneLine(call.name).replace(/`/g, "'")}\`\n\n${fenced(JSON.stringify(call.args ?? {}, null, 2), "json")}`;
}

/** A fence longer than any backtick run in `text`, so nothing inside can close it. */
export function fenced(text: string, info: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?=\s|$)/;

/** Demotes headings outside code by two levels and closes a fence left open. */
export function repairBody(body: string): string {
  const lines = body.split("\n");
  let open: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (open === undefined) {
      // A backtick fence's info string cannot contain backticks (CommonMark); such a line is not a fence.
      if (fence && !(fence[1]![0] === "`" && fence[2]!.includes("`"))) {
        open = fence[1]!;
        continue;
      }
      const heading = HEADING.exec(line);
      if (heading) lines[i] = line.replace(heading[1]!, "#".repeat(Math.min(6, heading[1]!.length + 2)));
    } else if (fence && fence[1]![0] === open[0] && fence[1]!.length >= open.length && fence[2]!.trim() === "") {
      open = undefined;
    }
  }
  if (open !== undefined) lines.push(open);
  return lines.join("\n");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
