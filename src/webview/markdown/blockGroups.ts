/**
 * A long rendered message grouped for the browser's sake: its top-level blocks in sections of SECTION_BLOCKS
 * (`div.md-section`), a long table's rows in bodies of ROW_GROUP (several `<tbody>`). media/chat.css isolates each
 * group (`isolation: isolate`, which keeps margins collapsing as before), so when a streamed reply grows at its
 * end, Chromium's layout, pre-paint and paint step over each finished group as a whole instead of visiting every
 * block or row: per frame they cost the same at block 50 and at block 2,000.
 *
 * The grouping is a function of the rendered nodes alone: a group is sealed only when the element after it exists
 * (the last SECTION_BLOCKS elements of a message stay loose, as do rows past the last full body). So a reply
 * grouped while it streamed, block by block, and the same text rendered whole end with the same DOM.
 */

/** Top-level blocks per section. */
export const SECTION_BLOCKS = 32;
/** Rows per `<tbody>` of a long table. */
export const ROW_GROUP = 100;

const SECTION_CLASS = "md-section";

/**
 * Seals the full sections among `root`'s loose top-level nodes (those after its last section, up to `stop`): each
 * takes SECTION_BLOCKS elements and the text between them, when another element follows.
 */
export function groupBlocks(root: HTMLElement, stop: ChildNode | null = null): void {
  const last = lastSection(root, stop);
  let start = last ? last.nextSibling : root.firstChild;
  for (;;) {
    let elements = 0;
    let end: ChildNode | null = start;
    // Past SECTION_BLOCKS elements, to the next element (the one that proves the section is full).
    while (end && end !== stop && !(end.nodeType === 1 && elements === SECTION_BLOCKS)) {
      if (end.nodeType === 1) elements++;
      end = end.nextSibling;
    }
    if (!end || end === stop || !start) return;
    const section = root.ownerDocument.createElement("div");
    section.className = SECTION_CLASS;
    root.insertBefore(section, start);
    const nodes: ChildNode[] = [];
    for (let node: ChildNode | null = start; node && node !== end; node = node.nextSibling) nodes.push(node);
    section.append(...nodes);
    start = end;
  }
}

/** Puts every sectioned node back at the top level of `root` (before blocks change in a way sections cannot follow). */
export function ungroupBlocks(root: HTMLElement): void {
  for (const section of Array.from(root.children)) if (isSection(section)) section.replaceWith(...section.childNodes);
}

/**
 * `root`'s last section before `stop`, if any. Sections come first, then at most SECTION_BLOCKS loose elements:
 * looking back from `stop` finds it in as many steps, however long the message.
 */
function lastSection(root: HTMLElement, stop: ChildNode | null): Element | undefined {
  for (let node = stop ? stop.previousSibling : root.lastChild; node; node = node.previousSibling)
    if (node.nodeType === 1 && isSection(node as Element)) return node as Element;
  return undefined;
}

function isSection(node: Element): boolean {
  return node.tagName === "DIV" && node.classList.contains(SECTION_CLASS);
}

/**
 * Splits a long table's last body so that every body holds ROW_GROUP rows (the last one up to that): rows keep
 * their order, each with the line break that follows it. A short table is left as it is.
 */
export function groupRows(table: HTMLTableElement): void {
  if (!table.classList.contains("long-table")) return;
  const body = table.tBodies[table.tBodies.length - 1];
  if (!body || body.rows.length <= ROW_GROUP) return;
  const nodes: ChildNode[] = [];
  for (let node: ChildNode | null = body.rows[ROW_GROUP]!; node; node = node.nextSibling) nodes.push(node);
  let group = body;
  let rows = ROW_GROUP;
  for (const node of nodes) {
    if (node.nodeType === 1) {
      if (rows === ROW_GROUP) {
        const next = table.ownerDocument.createElement("tbody");
        group.after(next);
        group = next;
        rows = 0;
      }
      rows++;
    }
    group.append(node);
  }
}
