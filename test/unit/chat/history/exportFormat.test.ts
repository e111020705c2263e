import { describe, expect, it } from "vitest";
import {
  MAX_IMPORT_BYTES,
  ThreadImportError,
  parseThreadExport,
  serializeThreadExport,
  type ThreadExport,
} from "../../../../src/chat/history/exportImportJson";
import { fenced, repairBody, threadToMarkdown } from "../../../../src/chat/history/exportImportMarkdown";
import type { StoredMessage } from "../../../../src/graph/messages";
import { MAX_NESTING_DEPTH, MAX_TITLE_CHARS, titleLimitMessage } from "../../../../src/checkpoint/limits";

function sample(): ThreadExport {
  return {
    format: "skein-thread",
    version: 1,
    title: "Sample",
    metadata: { pinned: true },
    messages: [
      { parent: null, message: { id: "u1", role: "user", content: "hi" } },
      {
        parent: 0,
        message: {
          id: "a1",
          role: "assistant",
          content: "hello",
          metadata: { usage: { input_tokens: 3, output_tokens: 1 } },
        },
      },
      { parent: 0, message: { id: "a2", role: "assistant", content: "hey there" } },
    ],
    head: 2,
  };
}

function importError(text: string): ThreadImportError {
  try {
    parseThreadExport(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ThreadImportError);
    return error as ThreadImportError;
  }
  throw new Error("expected the import to be refused");
}

describe("JSON export format", () => {
  it("round-trips canonically: parse(serialize(x)) serialises to the same bytes, key order regardless", () => {
    const text = serializeThreadExport(sample());
    expect(serializeThreadExport(parseThreadExport(text))).toBe(text);
    const shuffled = sample();
    shuffled.messages[1]!.message = {
      metadata: { usage: { output_tokens: 1, input_tokens: 3 } },
      content: "hello",
      role: "assistant",
      id: "a1",
    } as StoredMessage;
    expect(serializeThreadExport(shuffled)).toBe(text);
    expect(JSON.parse(text).messages[1].message).toEqual(sample().messages[1]!.message);
  });

  it("refuses what is not a Skein export, or from a newer Skein, with clear codes", () => {
    expect(importError("not json").code).toBe("IMPORT_NOT_JSON");
    expect(importError("[]").code).toBe("IMPORT_NOT_SKEIN");
    expect(importError('{"format":"other"}').code).toBe("IMPORT_NOT_SKEIN");
    const newer = { ...sample(), version: 2 };
    expect(importError(JSON.stringify(newer)).code).toBe("IMPORT_NEWER_VERSION");
    expect(importError(" ".repeat(MAX_IMPORT_BYTES + 1)).code).toBe("IMPORT_TOO_LARGE");
  });

  it("refuses a content block of a type the model's API does not know, naming the type and where it is", () => {
    const withBlocks = (content: unknown[]) => {
      const data = sample();
      (data.messages[0]!.message as { content: unknown }).content = content;
      return JSON.stringify(data);
    };
    const error = importError(
      withBlocks([
        { type: "text", text: "hi" },
        { type: "made_up", x: 1 },
      ]),
    );
    expect(error.code).toBe("IMPORT_INVALID");
    expect(error.message).toContain('"made_up"');
    expect(error.message).toContain("messages[0].message.content[1].type");
    // Every type a request may carry still imports.
    const known = [
      { type: "text", text: "hi" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "redacted_thinking", data: "xyz" },
    ];
    expect(parseThreadExport(withBlocks(known)).messages[0]!.message.content).toEqual(known);
  });

  it("says a malformed file is not a Skein thread export, what is wrong and at which line and column", () => {
    expect(importError("{ x: 1 }").message).toBe(
      "not a Skein thread export: the file is not valid JSON (Expected property name or '}' at line 1, column 3). Export a thread as JSON from Skein and import that file.",
    );
    const broken = '{\n  "format": "skein-thread",\n  oops\n}';
    expect(importError(broken).message).toMatch(
      /^not a Skein thread export: the file is not valid JSON \(.+ at line 3, column 3\)\./,
    );
    // Node 20 names no position for these; the place is still found.
    expect(importError("not json").message).toMatch(/Unexpected token 'o' at line 1, column 1\)/);
    expect(importError("[\n1,\n2,\n]").message).toMatch(/ at line 4, column 1\)/);
    expect(importError('{"format":').message).toMatch(/Unexpected end of JSON input at line 1, column 11\)/);
    expect(importError('{"format":"other"}').message).toMatch(
      /^not a Skein thread export: the JSON has no "format": "skein-thread"/,
    );
  });

  it("keeps keys named __proto__ or constructor as plain data, byte for byte, and pollutes nothing", () => {
    const text = serializeThreadExport(sample()).replace(
      '"pinned": true',
      '"__proto__": {\n      "polluted": true\n    },\n    "constructor": 1',
    );
    const data = parseThreadExport(text);
    expect(Object.hasOwn(data.metadata, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(data.metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(serializeThreadExport(data)).toBe(text);
    const args = JSON.parse('{"__proto__":{"x":1},"constructor":{"prototype":1}}');
    const withArgs = sample();
    withArgs.messages[1]!.message.tool_calls = [{ id: "c1", name: "tool", args }];
    const serialized = serializeThreadExport(withArgs);
    expect(serialized).toContain('"__proto__": {');
    expect(serializeThreadExport(parseThreadExport(serialized))).toBe(serialized);
  });

  it("refuses nesting deeper than the store keeps (the same limit the model's tool arguments get)", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) deep = { d: deep };
    const ok = sample();
    (ok.messages[0]!.message.metadata as unknown) = { d: deep };
    expect(importError(serializeThreadExport(ok)).where).toBe("$.messages[0].message");
    const fits = sample();
    fits.messages[1]!.message.tool_calls = [
      { id: "c1", name: "tool", args: (deep as { d: Record<string, unknown> }).d },
    ];
    // message → tool_calls → call → args: 3 levels above the arguments, 1,000 levels in all.
    for (let i = 0; i < 3; i++)
      fits.messages[1]!.message.tool_calls[0]!.args = (
        fits.messages[1]!.message.tool_calls[0]!.args as { d: Record<string, unknown> }
      ).d;
    const text = serializeThreadExport(fits);
    expect(serializeThreadExport(parseThreadExport(text))).toBe(text);
  });

  it("refuses a title over the limit every door uses, in the same words", () => {
    const long = { ...sample(), title: "t".repeat(MAX_TITLE_CHARS + 1) };
    expect(importError(JSON.stringify(long)).message).toContain(titleLimitMessage(MAX_TITLE_CHARS + 1));
    const fits = { ...sample(), title: "t".repeat(MAX_TITLE_CHARS) };
    expect(parseThreadExport(JSON.stringify(fits)).title).toHaveLength(MAX_TITLE_CHARS);
  });

  const broken: Array<[string, (data: any) => void, string]> = [
    ["a path-like message id", (d) => (d.messages[0].message.id = "../../etc/passwd"), "$.messages[0].message.id"],
    ["a dot-only id", (d) => (d.messages[0].message.id = ".."), "$.messages[0].message.id"],
    ["a missing id", (d) => delete d.messages[1].message.id, "$.messages[1].message.id"],
    ["a numeric id", (d) => (d.messages[1].message.id = 5), "$.messages[1].message.id"],
    ["an unknown role", (d) => (d.messages[0].message.role = "root"), "$.messages[0].message.role"],
    [
      "content of the wrong type",
      (d) => (d.messages[0].message.content = { text: "x" }),
      "$.messages[0].message.content",
    ],
    [
      "a text block without text",
      (d) => (d.messages[0].message.content = [{ type: "text" }]),
      "$.messages[0].message.content[0].text",
    ],
    [
      "bad tool calls",
      (d) => (d.messages[1].message.tool_calls = [{ id: "c", name: "x", args: "rm -rf" }]),
      "$.messages[1].message.tool_calls[0]",
    ],
    ["a forward parent", (d) => (d.messages[0].parent = 2), "$.messages[0].parent"],
    ["a self parent", (d) => (d.messages[1].parent = 1), "$.messages[1].parent"],
    ["a fractional parent", (d) => (d.messages[1].parent = 0.5), "$.messages[1].parent"],
    ["a head out of range", (d) => (d.head = 3), "$.head"],
    ["a missing head", (d) => delete d.head, "$.head"],
    ["duplicate sibling ids", (d) => (d.messages[2].message.id = "a1"), "$.messages[2].message.id"],
    ["missing messages", (d) => delete d.messages, "$.messages"],
    ["metadata of the wrong type", (d) => (d.metadata = []), "$.metadata"],
    ["a non-string title", (d) => (d.title = 42), "$.title"],
    [
      "message metadata of the wrong type",
      (d) => (d.messages[0].message.metadata = "x"),
      "$.messages[0].message.metadata",
    ],
  ];
  it.each(broken)("refuses %s, naming where", (_label, breakIt, where) => {
    const data = JSON.parse(serializeThreadExport(sample()));
    breakIt(data);
    const error = importError(JSON.stringify(data));
    expect(error.code).toBe("IMPORT_INVALID");
    expect(error.where).toBe(where);
    expect(error.message).toContain(where);
  });

  it("refuses absurd nesting instead of overflowing the stack", () => {
    const text = serializeThreadExport(sample()).replace(
      '"pinned": true',
      `"deep": ${"[".repeat(5000)}${"]".repeat(5000)}`,
    );
    expect(importError(text).code).toBe("IMPORT_INVALID");
  });
});

describe("Markdown export", () => {
  it("writes one heading per message under the title, with tool calls and results fenced", () => {
    const messages: StoredMessage[] = [
      { id: "u", role: "user", content: "Show me code" },
      {
        id: "a",
        role: "assistant",
        content: "Here:\n\n```ts\nconst x = 1;\n```",
        tool_calls: [{ id: "c", name: "run", args: { cmd: "ls" } }],
      },
      { id: "t", role: "tool", name: "run", tool_call_id: "c", content: "file```with backticks" },
    ];
    const md = threadToMarkdown(messages, { title: "My thread", otherBranches: 2 });
    expect(md.startsWith("# My thread\n")).toBe(true);
    expect(md.match(/^## /gm)).toHaveLength(3);
    expect(md).toContain("## User\n\nShow me code");
    expect(md).toContain("```ts\nconst x = 1;\n```");
    expect(md).toContain('**Tool call:** `run`\n\n```json\n{\n  "cmd": "ls"\n}\n```');
    expect(md).toContain("## Tool result: run\n\n````\nfile```with backticks\n````");
    expect(md).toContain("2 other branches");
  });

  it("keeps the structure when a message has headings or leaves a fence open", () => {
    expect(repairBody("# Big\ntext\n```\n# not a heading\n```\n### Small")).toBe(
      "### Big\ntext\n```\n# not a heading\n```\n##### Small",
    );
    expect(repairBody("code:\n````py\nprint(1)\n```\nstill code")).toBe(
      "code:\n````py\nprint(1)\n```\nstill code\n````",
    );
    const md = threadToMarkdown([
      { id: "a", role: "assistant", content: "```js\nunclosed" },
      { id: "u", role: "user", content: "next" },
    ]);
    expect(md).toContain("```js\nunclosed\n```\n\n## User\n\nnext");
  });

  it("makes fences longer than any backtick run inside", () => {
    expect(fenced("a ````` b", "")).toBe("``````\na ````` b\n``````");
    expect(fenced("plain", "json")).toBe("```json\nplain\n```");
  });
});
