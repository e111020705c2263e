/**
 * A growing markdown message rendered incrementally, so a long streamed reply costs each frame only what it
 * added. markdown-it's block parser splits the text into top-level blocks (paragraph, list, fence, table,
 * quote …). A block followed by another one, judged on complete lines only, can no longer change: it is rendered
 * once and kept as DOM. Only the last block — the one still being written — is rendered again each frame. A table
 * is the exception to "the last block renders again": its rows are appended as their lines complete (a table of
 * thousands of rows is one block). When the text completes, only what is not yet final is rendered; the DOM is the
 * same as rendering the whole text at once (link references defined late re-render the blocks before them).
 * Every slice takes the same markdown-it (html off) → DOMPurify → code block decoration path as a whole message.
 */
import { groupBlocks, groupRows, ungroupBlocks } from "./blockGroups";
import {
  decorateCodeBlocks,
  finishTables,
  markdownSliceToSafeFragment,
  markLongTable,
  normalizeMarkdown,
  topLevelBlocks,
  type MarkdownEnv,
  type RenderOptions,
} from "./markdown";

/** Finished blocks as they are in the DOM, with their text (to render them again when link references change). */
interface Chunk {
  text: string;
  nodes: ChildNode[];
}

/** A table whose rows are still arriving. */
interface OpenTable {
  /** Its header and delimiter lines: rendered before each slice of rows, so rows render as they would in it. */
  head: string;
  /** The text up to here is in the DOM as rows. */
  rowsEnd: number;
  element: HTMLTableElement;
  /** The table and the line break after it, as the chunk they become once the table ends. */
  chunk: Chunk;
}

export class MarkdownStream {
  /**
   * The normalised text seen so far. Streamed text is appended to it and it is read only to check that a whole
   * text continues it: reading a string built by appends copies all of it, which each frame of a long reply did.
   */
  private source = "";
  private sourceLength = 0;
  /** The text as given, of which `source` is the normalised form (to normalise only what a later update adds). */
  private raw = "";
  private rawEndsWithCR = false;
  /** `source` from `liveStart` on: what is not final in the DOM yet, the only part a frame reads. */
  private live = "";
  private liveStart = 0;
  /** `source.slice(0, settled)` is in the DOM as finished chunks (and the open table's rows). */
  private settled = 0;
  private env: MarkdownEnv = {};
  private chunks: Chunk[] = [];
  private table: OpenTable | undefined;
  /** Nodes rendered from the unfinished end of the text, replaced on each update; always last in `element`. */
  private tail: ChildNode[] = [];
  /** Rows rendered from an unfinished last line of an open table. */
  private pendingRows: ChildNode[] = [];

  constructor(
    readonly element: HTMLElement,
    private readonly options: RenderOptions,
  ) {
    element.replaceChildren();
  }

  /** True when `text` continues what was rendered (the same message, grown or completed). */
  continues(text: string): boolean {
    return this.normalized(text).startsWith(this.source);
  }

  /**
   * Renders `text`, the whole message so far. `complete`: no more text will come, so the last block is final
   * too. Text that does not continue the previous text is rendered from scratch.
   * `outOfTime`: while streaming, finished blocks render CHUNK_BLOCKS at a time until it says the frame's time is
   * up; false means some are left for the next call (`append` of nothing), and the end being written is not shown
   * until they are done.
   */
  update(text: string, complete: boolean, outOfTime?: () => boolean): boolean {
    const source = this.normalized(text);
    if (!source.startsWith(this.source)) this.restart();
    this.source = source;
    this.sourceLength = source.length;
    this.raw = text;
    this.rawEndsWithCR = text.endsWith("\r");
    this.live = source.slice(this.liveStart);
    return this.advance(complete, outOfTime);
  }

  /**
   * Renders `added`, streamed text that follows the text rendered so far: the same as `update` with the whole
   * text, but without reading what came before.
   */
  append(added: string, complete: boolean, outOfTime?: () => boolean): boolean {
    // A "\r" that ended the last piece was normalised to a line break already; a "\n" after it is part of it.
    const normalized = this.rawEndsWithCR ? normalizeMarkdown(`\r${added}`).slice(1) : normalizeMarkdown(added);
    if (added) this.rawEndsWithCR = added.endsWith("\r");
    this.raw += added;
    this.source += normalized;
    this.sourceLength += normalized.length;
    this.live += normalized;
    return this.advance(complete, outOfTime);
  }

  /** The length of the text rendered so far, as given. */
  get length(): number {
    return this.raw.length;
  }

  /** Renders what became final and the end still being written. */
  private advance(complete: boolean, outOfTime?: () => boolean): boolean {
    this.clearTail();
    // While streaming, the last line may still change what it is (`#` → `#x`), so only complete lines settle.
    const end = complete ? this.sourceLength : this.liveStart + this.live.lastIndexOf("\n") + 1;
    const done = this.settle(Math.max(end, this.liveStart), complete, complete ? undefined : outOfTime);
    // What is final now is never read again.
    const start = this.table ? this.table.rowsEnd : this.settled;
    if (start > this.liveStart) {
      this.live = this.live.slice(start - this.liveStart);
      this.liveStart = start;
    }
    if (!complete && done) this.renderTail();
    return done;
  }

  /** `source.slice(from, to)`, from the part not yet final. */
  private read(from: number, to = this.sourceLength): string {
    return this.live.slice(from - this.liveStart, to - this.liveStart);
  }

  /**
   * `normalizeMarkdown(text)`. When `text` continues the text of the last update, only the added part is
   * normalised (a streamed reply grows by a little each frame; normalising all of it each time made garbage in
   * proportion to its length). A `\r` at the old end may pair with a `\n` that arrives next: it is normalised again.
   */
  private normalized(text: string): string {
    const raw = this.raw;
    if (!raw || text.length < raw.length || !text.startsWith(raw)) return normalizeMarkdown(text);
    const from = raw.endsWith("\r") ? raw.length - 1 : raw.length;
    const kept = raw.endsWith("\r") ? this.source.slice(0, -1) : this.source;
    return kept + normalizeMarkdown(text.slice(from));
  }

  private restart(): void {
    this.source = "";
    this.sourceLength = 0;
    this.raw = "";
    this.rawEndsWithCR = false;
    this.live = "";
    this.liveStart = 0;
    this.settled = 0;
    this.env = {};
    this.chunks = [];
    this.table = undefined;
    this.tail = [];
    this.pendingRows = [];
    this.element.replaceChildren();
  }

  /**
   * Renders every block of `source.slice(settled, end)` that is finished (all of them when `complete`); with
   * `outOfTime`, CHUNK_BLOCKS at a time until it says stop. True when none is left.
   */
  private settle(end: number, complete: boolean, outOfTime?: () => boolean): boolean {
    for (;;) {
      if (this.table && !this.growTable(end, complete)) return true;
      if (this.settled >= end) return true;
      const region = this.read(this.settled, end);
      const blocks = topLevelBlocks(region);
      const last = blocks[blocks.length - 1];
      // Every block but the last is finished: the last may still grow (all are, once the text is complete).
      const split = outOfTime && blocks.length > CHUNK_BLOCKS + 1;
      const done = complete ? region.length : split ? blocks[CHUNK_BLOCKS]!.start : (last?.start ?? 0);
      if (done > 0) {
        this.addChunk(region.slice(0, done));
        this.settled += done;
      }
      if (split) {
        if (outOfTime()) return false;
        continue;
      }
      if (complete || !last?.table) return true;
      this.openTable(region.slice(last.start, last.end));
    }
  }

  /** A table is the last block: its header goes into the DOM now, its rows as they complete. */
  private openTable(text: string): void {
    const head = text.slice(0, nthLineEnd(text, 2));
    const fragment = this.render(head, this.env);
    const element = fragment.querySelector("table");
    if (!element) {
      // Not a table once rendered alone (it cannot happen with markdown-it's table rule): render it whole.
      this.addChunk(text);
      this.settled += text.length;
      return;
    }
    const chunk = { text: head, nodes: Array.from(fragment.childNodes) };
    this.insert(fragment);
    this.table = { head, rowsEnd: this.settled + head.length, element, chunk };
  }

  /**
   * Appends the open table's rows completed in `source.slice(rowsEnd, end)`. True when the table has ended (a
   * block follows it, or the text is complete): it becomes a finished chunk and `settled` moves past it.
   */
  private growTable(end: number, complete: boolean): boolean {
    const table = this.table!;
    const rest = this.read(table.rowsEnd, Math.max(end, table.rowsEnd));
    const probe = table.head + rest;
    const blocks = topLevelBlocks(probe);
    const first = blocks[0];
    // The header alone still parses as a table; what follows it decides how far its rows go.
    const rowsLength = first?.table && first.start === 0 ? Math.max(0, first.end - table.head.length) : 0;
    const rows = rest.slice(0, rowsLength);
    if (rows) this.appendRows(table, rows);
    table.rowsEnd += rows.length;
    table.chunk.text += rows;
    if (!complete && blocks.length < 2) return false;
    this.chunks.push(table.chunk);
    this.settled = table.rowsEnd;
    this.table = undefined;
    return true;
  }

  private appendRows(table: OpenTable, rows: string): void {
    const fragment = this.render(table.head + rows, this.env, false);
    const body = fragment.querySelector("tbody");
    if (!body) return;
    const existing = lastBody(table.element);
    if (existing) {
      // The slice's body is "\n<tr>…</tr>\n…": its rows and the line breaks after them continue the body.
      existing.append(...Array.from(body.childNodes).slice(1));
      if (!table.element.classList.contains("long-table")) markLongTable(table.element);
    } else {
      // As markdown-it writes it: "</thead>\n<tbody>…</tbody>\n</table>".
      table.element.append(body, "\n");
      markLongTable(table.element);
    }
    groupRows(table.element);
  }

  /** Renders finished blocks and keeps them (before the tail); re-renders older ones a new link reference changes. */
  private addChunk(text: string): void {
    const references = countReferences(this.env);
    const fragment = this.render(text, this.env);
    const chunk = { text, nodes: Array.from(fragment.childNodes) };
    this.insert(fragment);
    if (countReferences(this.env) > references) {
      // Rendered again, a block may not keep its section; the sections are made again around the new nodes.
      ungroupBlocks(this.element);
      for (const old of this.chunks) if (old.text.includes("]")) this.rerender(old);
      groupBlocks(this.element, this.tail[0] ?? null);
    }
    this.chunks.push(chunk);
  }

  private rerender(chunk: Chunk): void {
    const fragment = this.render(chunk.text, this.env);
    const nodes = Array.from(fragment.childNodes);
    chunk.nodes[0]?.before(fragment);
    for (const node of chunk.nodes) node.remove();
    chunk.nodes = nodes;
  }

  /** The unfinished end of the text, rendered as it is now (references it defines do not count yet). */
  private renderTail(): void {
    const env = copyEnv(this.env);
    if (this.table) {
      const line = this.read(this.table.rowsEnd);
      if (!line.trim()) return;
      const fragment = this.render(this.table.head + line, env, false);
      const body = fragment.querySelector("tbody");
      if (body) {
        const existing = lastBody(this.table.element);
        if (existing) {
          this.pendingRows = Array.from(body.childNodes).slice(1);
          existing.append(...this.pendingRows);
        } else {
          this.pendingRows = [body];
          this.table.element.append(body);
        }
        return;
      }
      // The line is not a row (something after the table is starting): show it after the table.
      this.setTail(this.render(line, env));
      return;
    }
    const text = this.read(this.settled);
    if (text.trim()) this.setTail(this.render(text, env));
  }

  private setTail(fragment: DocumentFragment): void {
    this.tail = Array.from(fragment.childNodes);
    this.element.append(fragment);
  }

  private clearTail(): void {
    for (const node of this.tail) node.remove();
    for (const node of this.pendingRows) node.remove();
    this.tail = [];
    this.pendingRows = [];
  }

  /** Finished content goes before the tail (which is always last), and into sections once there are enough. */
  private insert(fragment: DocumentFragment): void {
    const tail = this.tail[0] ?? null;
    this.element.insertBefore(fragment, tail);
    groupBlocks(this.element, tail);
  }

  /** `wholeTables`: the slice's tables are whole tables (not a table's header and some of its rows). */
  private render(text: string, env: MarkdownEnv, wholeTables = true): DocumentFragment {
    const doc = this.element.ownerDocument;
    const holder = doc.createElement("div");
    holder.append(markdownSliceToSafeFragment(text, env, doc));
    decorateCodeBlocks(holder, this.options);
    if (wholeTables) finishTables(holder);
    const fragment = doc.createDocumentFragment();
    fragment.append(...Array.from(holder.childNodes));
    return fragment;
  }
}

/** Finished blocks rendered at a time when a frame's time is limited. */
const CHUNK_BLOCKS = 8;

function lastBody(table: HTMLTableElement): HTMLTableSectionElement | undefined {
  return table.tBodies[table.tBodies.length - 1];
}

/** The offset just past the n-th line break (or the text's end). */
function nthLineEnd(text: string, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const next = text.indexOf("\n", at);
    if (next < 0) return text.length;
    at = next + 1;
  }
  return at;
}

function countReferences(env: MarkdownEnv): number {
  const references = env.references;
  return references && typeof references === "object" ? Object.keys(references).length : 0;
}

function copyEnv(env: MarkdownEnv): MarkdownEnv {
  const references = env.references;
  return references && typeof references === "object" ? { references: { ...references } } : {};
}
