// @vitest-environment jsdom
/**
 * Grouping a rendered message: sections of SECTION_BLOCKS top-level blocks, sealed only once the block after them
 * exists, and a long table's rows in bodies of ROW_GROUP. Grouping keeps every node and its order, a second pass
 * changes nothing, and grouping as blocks arrive one by one ends where grouping them all at once does.
 */
import { describe, expect, it } from "vitest";
import {
  groupBlocks,
  groupRows,
  ROW_GROUP,
  SECTION_BLOCKS,
  ungroupBlocks,
} from "../../../../src/webview/markdown/blockGroups";

function paragraphs(count: number): string {
  return Array.from({ length: count }, (_, i) => `<p>${i}</p>\n`).join("");
}

function body(html: string): HTMLElement {
  const el = document.createElement("div");
  el.innerHTML = html;
  return el;
}

function sectionSizes(el: HTMLElement): number[] {
  return Array.from(el.querySelectorAll(":scope > .md-section"), (section) => section.children.length);
}

describe("groupBlocks", () => {
  it("seals a section only when the block after it exists; the last blocks stay loose", () => {
    for (const [count, sizes] of [
      [SECTION_BLOCKS, []],
      [SECTION_BLOCKS + 1, [SECTION_BLOCKS]],
      [2 * SECTION_BLOCKS, [SECTION_BLOCKS]],
      [2 * SECTION_BLOCKS + 5, [SECTION_BLOCKS, SECTION_BLOCKS]],
    ] as const) {
      const el = body(paragraphs(count));
      groupBlocks(el);
      expect(sectionSizes(el), `${count} blocks`).toEqual(sizes);
      // Every block and line break is still there, in order.
      expect(el.textContent).toBe(body(paragraphs(count)).textContent);
      const again = el.innerHTML;
      groupBlocks(el);
      expect(el.innerHTML).toBe(again);
      ungroupBlocks(el);
      expect(el.innerHTML).toBe(paragraphs(count));
    }
  });

  it("grouping as blocks arrive, before the end being written, ends as grouping them all at once", () => {
    const whole = body(paragraphs(100));
    groupBlocks(whole);
    const el = body("<p>writing…</p>");
    const tail = el.firstChild!;
    for (let i = 0; i < 100; i++) {
      el.insertBefore(body(`<p>${i}</p>`).firstChild!, tail);
      el.insertBefore(document.createTextNode("\n"), tail);
      groupBlocks(el, tail);
    }
    tail.remove();
    expect(el.innerHTML).toBe(whole.innerHTML);
    expect(sectionSizes(el)).toEqual([SECTION_BLOCKS, SECTION_BLOCKS, SECTION_BLOCKS]);
  });
});

describe("groupRows", () => {
  function table(rows: number, long: boolean): HTMLTableElement {
    const el = body(
      `<table${long ? ' class="long-table"' : ""}><thead><tr><th>n</th></tr></thead>\n<tbody>\n` +
        Array.from({ length: rows }, (_, i) => `<tr><td>${i}</td></tr>\n`).join("") +
        "</tbody>\n</table>",
    );
    return el.querySelector("table")!;
  }

  it("splits a long table's rows into bodies of ROW_GROUP, in order, and leaves a short table whole", () => {
    const long = table(2 * ROW_GROUP + 7, true);
    groupRows(long);
    expect(Array.from(long.tBodies, (b) => b.rows.length)).toEqual([ROW_GROUP, ROW_GROUP, 7]);
    expect(Array.from(long.querySelectorAll("tbody td"), (td) => Number(td.textContent))).toEqual(
      Array.from({ length: 2 * ROW_GROUP + 7 }, (_, i) => i),
    );
    const short = table(2 * ROW_GROUP, false);
    groupRows(short);
    expect(short.tBodies).toHaveLength(1);
  });

  it("rows added to the last body a few at a time end in the bodies a single pass makes", () => {
    const whole = table(3 * ROW_GROUP + 1, true);
    groupRows(whole);
    const growing = table(0, true);
    for (let i = 0; i < 3 * ROW_GROUP + 1; i++) {
      const last = growing.tBodies[growing.tBodies.length - 1]!;
      last.append(body(`<table><tbody><tr><td>${i}</td></tr></tbody></table>`).querySelector("tr")!, "\n");
      if (i % 7 === 0) groupRows(growing);
    }
    groupRows(growing);
    expect(growing.outerHTML).toBe(whole.outerHTML);
  });
});
