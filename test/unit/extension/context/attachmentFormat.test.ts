import { describe, expect, it } from "vitest";
import { messageText } from "../../../../src/graph/messages";
import { titleFromText } from "../../../../src/chat/titles";
import {
  attachmentBlock,
  parseAttachmentBlock,
  splitAttachments,
} from "../../../../src/extension/context/attachmentFormat";

describe("attachments inside a user message", () => {
  it("round-trip: the blocks the model reads are recognised as chips, the user's text stays the text", () => {
    const content = [
      { type: "text", text: "why does this fail?" },
      attachmentBlock({ kind: "file", path: 'src/we"ird & name.ts', text: "export const a = 1;\n</attachment>\n" }),
      attachmentBlock({ kind: "selection", path: "src/b.ts", startLine: 3, endLine: 9, text: "line 3\nline 9" }),
    ];
    expect((content[2] as { text: string }).text).toBe(
      '\n<attachment path="src/b.ts" lines="3-9">\nline 3\nline 9\n</attachment>',
    );
    expect(splitAttachments(content)).toEqual({
      text: "why does this fail?",
      attachments: [
        { kind: "file", path: 'src/we"ird & name.ts' },
        { kind: "selection", path: "src/b.ts", startLine: 3, endLine: 9 },
      ],
    });
    // The thread's title is still the user's words.
    expect(titleFromText(messageText({ content }))).toBe("why does this fail?");
  });

  it("leaves other blocks and plain strings alone", () => {
    expect(parseAttachmentBlock({ type: "text", text: '<attachment path="a">\nno end' })).toBeUndefined();
    expect(parseAttachmentBlock({ type: "image", source: {} } as never)).toBeUndefined();
    expect(splitAttachments("plain")).toEqual({ text: "plain", attachments: [] });
  });
});
