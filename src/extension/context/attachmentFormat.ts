/**
 * How attached files and selections travel inside a user message: each one is its own text block
 *
 *   <attachment path="src/a.ts" lines="3-10">
 *   …the text as it was at send time…
 *   </attachment>
 *
 * after the block holding what the user typed. The model reads exactly this, the context window counts it, an
 * export shows it, and the chat recognises the blocks to show chips instead of the text. No `vscode` import.
 */
import type { ContentBlock, TextBlock } from "../../graph/messages";
import type { AttachmentView } from "../../protocol/types";

export interface AttachmentContent extends AttachmentView {
  text: string;
}

const OPEN = /^\n?<attachment path="([^"\n]*)"(?: lines="(\d+)-(\d+)")?>\n/;
const CLOSE = "\n</attachment>";

const escapePath = (path: string) => path.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/\n/g, " ");
const unescapePath = (path: string) => path.replace(/&quot;/g, '"').replace(/&amp;/g, "&");

/** The block that carries one attachment (it starts on a new line, so the message's title stays the user's text). */
export function attachmentBlock(attachment: AttachmentContent): TextBlock {
  const lines =
    attachment.kind === "selection" && attachment.startLine !== undefined
      ? ` lines="${attachment.startLine}-${attachment.endLine ?? attachment.startLine}"`
      : "";
  return {
    type: "text",
    text: `\n<attachment path="${escapePath(attachment.path)}"${lines}>\n${attachment.text}${CLOSE}`,
  };
}

/** The attachment a block carries, or undefined for any other block. */
export function parseAttachmentBlock(block: ContentBlock): AttachmentView | undefined {
  if (block.type !== "text" || typeof (block as TextBlock).text !== "string") return undefined;
  const text = (block as TextBlock).text;
  const open = OPEN.exec(text);
  if (!open || !text.endsWith(CLOSE)) return undefined;
  const path = unescapePath(open[1]!);
  if (open[2] === undefined) return { kind: "file", path };
  return { kind: "selection", path, startLine: Number(open[2]), endLine: Number(open[3]) };
}

/** A user message's own text and what it carried (blocks in the attachment form become chips). */
export function splitAttachments(content: string | ContentBlock[]): { text: string; attachments: AttachmentView[] } {
  if (typeof content === "string") return { text: content, attachments: [] };
  const attachments: AttachmentView[] = [];
  let text = "";
  for (const block of content) {
    const attachment = parseAttachmentBlock(block);
    if (attachment) attachments.push(attachment);
    else if (block.type === "text" && typeof (block as TextBlock).text === "string") text += (block as TextBlock).text;
  }
  return { text, attachments };
}
