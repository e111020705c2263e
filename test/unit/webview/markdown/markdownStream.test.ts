// @vitest-environment jsdom
/**
 * Incremental rendering of a growing reply: finished blocks stay the same DOM nodes while later text arrives
 * (only the block still being written renders again; a table gains rows without its earlier rows being
 * rendered again), and the end result is the same DOM as rendering the whole text at once — on every way the
 * text can be cut into streamed pieces. Code blocks keep their colours and actions; hostile markdown stays inert.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { useHighlighter } from "../../../../src/webview/markdown/highlight";
import { skeinHighlighter } from "../../../../src/webview/highlightBundle";
import { renderInto, type RenderOptions } from "../../../../src/webview/markdown/markdown";
import { MarkdownStream } from "../../../../src/webview/markdown/markdownStream";
import { ROW_GROUP, SECTION_BLOCKS } from "../../../../src/webview/markdown/blockGroups";

const strings = { copy: "Copy", copied: "Copied", truncated: "Plain.", insertAtCursor: "Insert", openInEditor: "Open" };
const copied: string[] = [];
const options: RenderOptions = { strings, copy: (text) => copied.push(text) };

declare global {
  interface Window {
    pwned?: number;
  }
}

function oneShot(text: string): string {
  const el = document.createElement("div");
  renderInto(el, text, options);
  return el.innerHTML;
}

/** The body's top-level blocks, those in sections (blockGroups.ts) in their place. */
function blocks(body: HTMLElement): Element[] {
  return Array.from(body.children).flatMap((child) =>
    child.classList.contains("md-section") ? Array.from(child.children) : [child],
  );
}

/**
 * Streams `text` in pieces of `step` characters, then completes it; returns the body. The pieces are appended, as
 * a streamed reply's tokens are; with `whole`, each update passes the whole text so far, as a long stored message
 * rendered slice by slice does.
 */
function stream(
  text: string,
  step: number,
  each?: (body: HTMLElement, end: number) => void,
  whole = false,
): HTMLElement {
  const body = document.createElement("div");
  document.body.append(body);
  const renderer = new MarkdownStream(body, options);
  let at = 0;
  for (let end = step; end < text.length; end += step) {
    if (whole) renderer.update(text.slice(0, end), false);
    else renderer.append(text.slice(at, end), false);
    at = end;
    each?.(body, end);
  }
  if (whole) renderer.update(text, false);
  else renderer.append(text.slice(at), false);
  expect(renderer.length).toBe(text.length);
  // Completion passes the whole text, as the host's stored message does.
  renderer.update(text, true);
  return body;
}

const REPLY = [
  "# A long reply",
  "",
  "Some **bold** text and a [link][ref] defined later, and <b>raw html</b>.",
  "",
  "- one",
  "- two",
  "  - nested",
  "",
  "```ts",
  "const a = 1;",
  "const b = 2;",
  "```",
  "",
  "| x | y |",
  "|---|--:|",
  "| 1 | **2** |",
  "| 3 | 4 |",
  "",
  "> a quote",
  "over two lines",
  "",
  "Setext heading",
  "---",
  "",
  "    indented code",
  "",
  "    more of it",
  "para",
  "# not a heading once",
  "#x",
  "",
  "1. first",
  "2. second",
  "",
  "[ref]: https://example.com/ref",
  "",
  "| a |",
  "|---|",
  "| only row |",
  "The end, right after a table.",
].join("\n");

describe("MarkdownStream", () => {
  beforeEach(() => {
    document.body.replaceChildren();
    window.pwned = undefined;
    copied.length = 0;
  });

  it("ends with the same DOM as a full render of the same markdown, however the text was cut into pieces", () => {
    const whole = oneShot(REPLY);
    for (const asWhole of [false, true]) {
      for (const step of [1, 3, 7, 50, 400])
        expect(stream(REPLY, step, undefined, asWhole).innerHTML, `step ${step}`).toBe(whole);
      for (const text of [REPLY.replace(/\n/g, "\r\n"), `${REPLY}\n`, `\n\n${REPLY}\n\n\n`, "", "   ", "x"])
        expect(stream(text, 5, undefined, asWhole).innerHTML).toBe(oneShot(text));
      // Line endings and NULs are normalised piece by piece: a "\r\n" cut between two pieces is still one break.
      const mixed = `${REPLY.replace(/\n/g, "\r\n")}\rlone\r\r\nnul\0here\r`;
      for (const step of [1, 2, 3, 4])
        expect(stream(mixed, step, undefined, asWhole).innerHTML, `step ${step}`).toBe(oneShot(mixed));
    }
  });

  it("keeps finished blocks as the same nodes while later tokens arrive; only the growing block renders again", () => {
    const text = Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i} with *emphasis*.\n\n\`\`\`js\nlet x${i} = ${i};\n\`\`\``,
    ).join("\n\n");
    const seen = new Map<number, Element>();
    let checks = 0;
    const body = stream(text, 9, (body) => {
      // The last two elements may be the end still being written (a block, and the next one starting on a line
      // not yet complete); every element before them was there, as the same node, on every frame before (moving
      // into a section keeps the node).
      const finished = blocks(body).slice(0, -2);
      finished.forEach((child, i) => {
        const before = seen.get(i);
        if (before) {
          expect(child).toBe(before);
          checks++;
        }
        seen.set(i, child);
      });
    });
    expect(checks).toBeGreaterThan(1_000);
    // 80 blocks: two full sections, sealed as the blocks after them arrived; the last 16 stay loose.
    const sections = body.querySelectorAll(":scope > .md-section");
    expect(Array.from(sections, (section) => section.children.length)).toEqual([SECTION_BLOCKS, SECTION_BLOCKS]);
    expect(blocks(body)).toHaveLength(80);
    expect(body.innerHTML).toBe(oneShot(text));
  });

  it("with a frame budget, finished blocks render 8 at a time over several calls and end as a full render", () => {
    const text = Array.from({ length: 60 }, (_, i) => `Paragraph ${i} uses [a link][r].`).join("\n\n");
    const full = `${text}\n\n[r]: https://example.com/r\n\nThe end`;
    const body = document.createElement("div");
    const renderer = new MarkdownStream(body, options);
    const alwaysOut = () => true; // a frame already over its budget: each call still renders one chunk
    const counts: number[] = [];
    let done = renderer.append(full.slice(0, 2_000), false, alwaysOut);
    counts.push(blocks(body).length);
    while (!done) {
      done = renderer.append("", false, alwaysOut);
      counts.push(blocks(body).length);
    }
    // 8 blocks a call, and no end being written shown until the finished blocks have caught up.
    expect(counts.slice(0, 4)).toEqual([8, 16, 24, 32]);
    expect(renderer.append(full.slice(2_000), false, () => false)).toBe(true);
    renderer.update(full, true);
    expect(body.innerHTML).toBe(oneShot(full));
  });

  it("a long reply whose link reference arrives last is grouped in sections as a full render groups it", () => {
    const text = [
      ...Array.from({ length: 75 }, (_, i) => (i % 3 ? `Item ${i} uses [the docs][d].` : `## Part ${i}`)),
      "- a list\n- of two",
      "> a quote",
      "[d]: https://example.com/docs",
      "The end.",
    ].join("\n\n");
    const whole = oneShot(text);
    expect(whole).toContain('class="md-section"');
    for (const step of [5, 64, 700]) {
      const body = stream(text, step);
      expect(body.innerHTML, `step ${step}`).toBe(whole);
      expect(body.querySelectorAll('a[href="https://example.com/docs"]')).toHaveLength(50);
    }
  });

  it("a streamed table gains rows: the table and its earlier rows stay the same nodes, and the end equals a full render", () => {
    const rows = Array.from({ length: 250 }, (_, i) => `| ${i} | ${i * i} | row **${i}** |`);
    const text = `Here:\n\n| n | square | name |\n|---:|---:|---|\n${rows.join("\n")}\n\nAfter the table.`;
    let table: Element | null = null;
    let firstRow: Element | null = null;
    let laterRow: Element | null = null;
    let rowsSeen = 0;
    const body = stream(text, 17, (b) => {
      // Once a second row has begun, the table and its first row are final.
      if (b.querySelectorAll("tbody tr").length >= 2) {
        table ??= b.querySelector("table");
        firstRow ??= b.querySelector("tbody tr");
      }
      if (table) expect(b.querySelector("table")).toBe(table);
      if (firstRow) expect(b.querySelector("tbody tr")).toBe(firstRow);
      // A row moved into the next body is still the same node.
      const all = b.querySelectorAll("tbody tr");
      if (all.length >= 152) laterRow ??= all[150]!;
      if (laterRow) expect(all[150]).toBe(laterRow);
      rowsSeen = Math.max(rowsSeen, b.querySelectorAll("tbody tr").length);
    });
    expect(rowsSeen).toBe(250);
    expect(body.querySelector("table")).toBe(table);
    // A long table's rows end in bodies of ROW_GROUP, as a full render puts them.
    expect(Array.from(body.querySelectorAll("tbody"), (b) => b.rows.length)).toEqual([ROW_GROUP, ROW_GROUP, 50]);
    expect(body.innerHTML).toBe(oneShot(text));
  });

  it("a link reference defined after the text that uses it resolves once the definition arrives, as in a full render", () => {
    const text = "See [the docs][d] and [d].\n\n| a |\n|---|\n| [d] |\n\nMore.\n\n[d]: https://example.com/docs\n";
    const body = stream(text, 4);
    expect(body.innerHTML).toBe(oneShot(text));
    expect(body.querySelectorAll('a[href="https://example.com/docs"]')).toHaveLength(3);
  });

  it("code blocks rendered block by block are coloured and their Copy button copies their text", async () => {
    useHighlighter(skeinHighlighter);
    // A language's first block is coloured a frame later (its grammar compiles then); later ones at once.
    const warm = document.createElement("div");
    document.body.append(warm);
    renderInto(warm, "```ts\nx\n```\n\n```python\nx\n```", options);
    await vi.waitFor(() => expect(warm.querySelectorAll("code.hljs")).toHaveLength(2));
    const text =
      "Intro.\n\n```ts\nconst greeting: string = 'hi';\n```\n\nBetween.\n\n```python\ndef f():\n    return 1\n```\n\nEnd.";
    const body = stream(text, 6);
    expect(body.innerHTML).toBe(oneShot(text));
    expect(body.querySelector("code .hljs-keyword")?.textContent).toBe("const");
    const buttons = body.querySelectorAll<HTMLButtonElement>(".copy-code-button");
    expect(buttons).toHaveLength(2);
    buttons[1]!.click();
    expect(copied).toEqual(["def f():\n    return 1\n"]);
    useHighlighter(undefined);
  });

  it("hostile markdown stays inert while streamed and when complete", () => {
    const hostile =
      '<script>window.pwned=1</script>\n\n<img src=x onerror="window.pwned=2">\n\n[x](javascript:window.pwned=3)\n\n' +
      '| <img src=x onerror="window.pwned=5"> |\n|---|\n| <script>window.pwned=6</script> |\n\n' +
      '```\n</code></pre><img src=x onerror="window.pwned=4">\n```\n';
    const body = stream(hostile, 3, (b) => expect(b.querySelector("script, img, a[href^='javascript']")).toBeNull());
    expect(body.querySelector("script, img, a[href^='javascript']")).toBeNull();
    body.querySelector("a")?.dispatchEvent(new MouseEvent("click"));
    expect(window.pwned).toBeUndefined();
    expect(body.innerHTML).toBe(oneShot(hostile));
  });

  it("text that does not continue the previous text is rendered from scratch", () => {
    const body = document.createElement("div");
    const renderer = new MarkdownStream(body, options);
    renderer.update("# One\n\nfirst\n\n| a |\n|---|\n| 1 |\n", false);
    expect(renderer.continues("# One\n\nfirst\n\n| a |\n|---|\n| 1 |\n| 2 |")).toBe(true);
    expect(renderer.continues("# Two")).toBe(false);
    renderer.update("# Two\n\nsecond", true);
    expect(body.innerHTML).toBe(oneShot("# Two\n\nsecond"));
  });
});
