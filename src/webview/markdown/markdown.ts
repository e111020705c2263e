/**
 * Model output → safe DOM. markdown-it with raw HTML disabled, then DOMPurify as a second wall (the webview
 * must never execute model output, whatever the renderer lets through), then code blocks get syntax colours
 * (highlight.ts) and their actions: Copy, Insert at Cursor, Open in New Editor.
 * Very large texts skip markdown and render as plain text so one message cannot freeze the panel.
 */
import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";
import { highlightCode, languageOf } from "./highlight";
import { iconButton } from "../controls";
import { groupBlocks, groupRows } from "./blockGroups";

/**
 * Above this, a message renders as plain text (markdown-it is linear, but layout of huge HTML is not cheap).
 * Below it, a long message renders incrementally (markdownStream.ts): streamed, and over several frames when stored.
 */
export const MAX_MARKDOWN_CHARS = 1_000_000;
/** Above this, even plain text is cut (the full text can still be copied). */
export const MAX_PLAIN_CHARS = 2_000_000;

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    "style",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
  ],
  FORBID_ATTR: ["style", "srcset", "action", "formaction"],
  ALLOW_DATA_ATTR: false,
};

let purifier: ReturnType<typeof DOMPurify> | undefined;
/** A document without a browsing context: HTML parsed into it runs no script and loads nothing. */
let inert: Document | undefined;
let inertUses = 0;
/**
 * How many pieces one inert document serves. Each sanitising registers a node iterator with the document until
 * garbage collection, and every node later removed from that document visits them all: one document for a whole
 * reply made a streamed frame slower with each piece. A document per piece is garbage of its own.
 */
const INERT_USES = 16;

function newPurifier(): ReturnType<typeof DOMPurify> {
  const instance = DOMPurify(window);
  // Set once: passing the configuration to every call would parse it again each time (a reply being streamed
  // is sanitised slice by slice, and every coloured code block once more). In place: DOMPurify cleans nodes
  // parsed into the one inert document, instead of parsing each piece into a new document of its own (a
  // streamed frame sanitises a dozen pieces; a document each was most of their cost and garbage).
  instance.setConfig({ ...PURIFY_CONFIG, IN_PLACE: true });
  // Links open outside the webview and never get access to it.
  instance.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.setAttribute("rel", "noopener noreferrer");
      node.removeAttribute("target");
    }
    if (node.tagName === "IMG") {
      // Only inline data images could load under the CSP anyway; drop the rest so nothing half-loads.
      const src = node.getAttribute("src") ?? "";
      if (!src.startsWith("data:image/")) node.removeAttribute("src");
    }
  });
  return instance;
}

/**
 * The second wall: HTML parsed in the inert document and sanitised there, returned as nodes of `doc` without
 * scripts, handlers, forms or unsafe URLs. Nothing is serialised and parsed again on the way in.
 */
export function safeFragment(html: string, doc: Document): DocumentFragment {
  if (!inert || ++inertUses > INERT_USES) {
    inert = doc.implementation.createHTMLDocument("");
    inertUses = 1;
  }
  const holder = inert.createElement("div");
  holder.innerHTML = html;
  (purifier ??= newPurifier()).sanitize(holder);
  const fragment = doc.createDocumentFragment();
  fragment.append(...Array.from(holder.childNodes));
  return fragment;
}

/** `safeFragment` as HTML (for tests of the wall itself). */
export function sanitizeHtml(html: string): string {
  const box = document.createElement("div");
  box.append(safeFragment(html, document));
  return box.innerHTML;
}

/** Sanitised HTML for a markdown text (exported for tests). */
export function markdownToSafeHtml(text: string): string {
  return sanitizeHtml(md.render(text));
}

/** Link reference definitions seen so far (markdown-it's `env`), carried from one slice of a text to the next. */
export type MarkdownEnv = Record<string, unknown>;

/**
 * Sanitised nodes for a slice of a longer text that starts and ends at top-level block boundaries; rendered
 * slice by slice, the DOM is the same as the whole text's. `env` carries link references between slices. The
 * sanitised DOM itself is returned, not serialised and parsed a second time: a streamed reply renders a slice
 * every frame.
 */
export function markdownSliceToSafeFragment(text: string, env: MarkdownEnv, doc: Document): DocumentFragment {
  return safeFragment(md.render(text, env), doc);
}

/** What markdown-it normalises before parsing (line endings, NUL), so offsets into the text match its lines. */
export function normalizeMarkdown(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");
}

/** A top-level block of a (normalised) text: where it starts, and where its last line ends. */
export interface TopLevelBlock {
  start: number;
  end: number;
  table: boolean;
}

/**
 * The top-level blocks (paragraph, list, fence, table, quote …) of a normalised text, from markdown-it's block
 * parser alone (no inline parsing, nothing rendered): cheap enough to run on every streamed frame. Link
 * reference definitions make no block; their lines fall between blocks.
 */
export function topLevelBlocks(text: string): TopLevelBlock[] {
  const tokens: ReturnType<MarkdownIt["parse"]> = [];
  md.block.parse(text, md, {}, tokens);
  const lines: { first: number; last: number; table: boolean }[] = [];
  for (const token of tokens)
    if (token.level === 0 && token.nesting !== -1 && token.map)
      lines.push({ first: token.map[0], last: token.map[1], table: token.type === "table_open" });
  if (lines.length === 0) return [];
  const offsets = lineOffsets(text, lines[lines.length - 1]!.last);
  return lines.map(({ first, last, table }) => ({ start: offsets[first]!, end: offsets[last]!, table }));
}

/** Offsets where lines 0..upTo start (a line past the end starts at the text's length). */
function lineOffsets(text: string, upTo: number): number[] {
  const offsets = [0];
  let at = 0;
  while (offsets.length <= upTo) {
    const next = text.indexOf("\n", at);
    at = next < 0 ? text.length : next + 1;
    offsets.push(at);
  }
  return offsets;
}

export interface RenderStrings {
  copy: string;
  copied: string;
  truncated: string;
  insertAtCursor: string;
  openInEditor: string;
}

export interface RenderOptions {
  strings: RenderStrings;
  /** Asks the host to copy (the webview's clipboard access is not guaranteed everywhere). */
  copy(text: string): void;
  /** Puts a code block's text at the cursor of the active editor (host side). */
  insert?(text: string): void;
  /** Opens a code block's text in a new untitled editor with its language. */
  open?(text: string, language: string | undefined): void;
  /** Plain text (tool output, user input stays markdown). */
  plain?: boolean;
}

/** Replaces `target`'s content with the rendered text. */
export function renderInto(target: HTMLElement, text: string, options: RenderOptions): void {
  const doc = target.ownerDocument;
  if (options.plain || text.length > MAX_MARKDOWN_CHARS) {
    const pre = doc.createElement("pre");
    pre.className = "plain-text";
    pre.textContent = text.length > MAX_PLAIN_CHARS ? `${text.slice(0, MAX_PLAIN_CHARS)}…` : text;
    target.replaceChildren(pre);
    if (!options.plain) {
      const note = doc.createElement("div");
      note.className = "truncated-note";
      note.textContent = options.strings.truncated;
      target.prepend(note);
    }
    return;
  }
  target.replaceChildren(safeFragment(md.render(text), doc));
  decorateCodeBlocks(target, options);
  finishTables(target);
  groupBlocks(target);
}

/** Marks the long tables among `root`'s rendered tables and groups their rows (blockGroups.ts). */
export function finishTables(root: ParentNode): void {
  for (const table of Array.from(root.querySelectorAll("table"))) {
    markLongTable(table);
    groupRows(table);
  }
}

/** A table with more body rows than this lays its rows out as independent lines (media/chat.css `.long-table`). */
export const LONG_TABLE_ROWS = 100;

/**
 * Marks a long table, so its rows are laid out one by one instead of the table as a whole: a row added to a long
 * table (a streamed reply) then costs one row's layout, not the table's. Its columns are of equal width.
 */
export function markLongTable(table: HTMLTableElement): void {
  let rows = 0;
  for (const body of Array.from(table.tBodies)) rows += body.rows.length;
  if (rows > LONG_TABLE_ROWS) table.classList.add("long-table");
}

/**
 * Wraps each `<pre><code>` with a header holding the language and the block's actions (added after
 * sanitising), and colours it. Exported for renderers that update a message in place.
 */
export function decorateCodeBlocks(root: HTMLElement, options: RenderOptions): void {
  const doc = root.ownerDocument;
  for (const pre of Array.from(root.querySelectorAll("pre"))) {
    const code = pre.querySelector("code");
    if (!code || pre.parentElement?.classList.contains("code-block")) continue;
    const wrapper = doc.createElement("div");
    wrapper.className = "code-block";
    const header = doc.createElement("div");
    header.className = "code-header";
    const lang = doc.createElement("span");
    lang.className = "code-lang";
    const language = languageOf(code);
    lang.textContent = language ?? "";
    const tools = doc.createElement("span");
    tools.className = "code-actions";
    if (options.insert) {
      const insert = iconButton(doc, "code-action insert-code-button", "insert", options.strings.insertAtCursor);
      insert.addEventListener("click", () => options.insert?.(code.textContent ?? ""));
      tools.append(insert);
    }
    if (options.open) {
      const open = iconButton(doc, "code-action open-code-button", "go-to-file", options.strings.openInEditor);
      open.addEventListener("click", () => options.open?.(code.textContent ?? "", language));
      tools.append(open);
    }
    const button = iconButton(doc, "code-action copy-code-button", "copy", options.strings.copy);
    tools.append(button);
    button.addEventListener("click", () => {
      options.copy(code.textContent ?? "");
      button.classList.add("copied");
      button.title = options.strings.copied;
      button.setAttribute("aria-label", options.strings.copied);
      setTimeout(() => {
        button.classList.remove("copied");
        button.title = options.strings.copy;
        button.setAttribute("aria-label", options.strings.copy);
      }, 1500);
    });
    header.append(lang, tools);
    pre.replaceWith(wrapper);
    wrapper.append(header, pre);
    highlightCode(code, (html) => safeFragment(html, doc));
  }
}
