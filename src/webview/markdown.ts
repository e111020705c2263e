/**
 * Model output → safe DOM. markdown-it with raw HTML disabled, then DOMPurify as a second wall (the webview
 * must never execute model output, whatever the renderer lets through), then code blocks get syntax colours
 * (highlight.ts) and their actions: Copy, Insert at Cursor, Open in New Editor.
 * Very large texts skip markdown and render as plain text so one message cannot freeze the panel.
 */
import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";
import { highlightCode, languageOf } from "./highlight";

/** Above this, a message renders as plain text (markdown-it is linear, but layout of huge HTML is not cheap). */
export const MAX_MARKDOWN_CHARS = 150_000;
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
function purify(): ReturnType<typeof DOMPurify> {
  if (!purifier) {
    purifier = DOMPurify(window);
    // Links open outside the webview and never get access to it.
    purifier.addHook("afterSanitizeAttributes", (node) => {
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
  }
  return purifier;
}

/** The second wall: whatever HTML reaches it leaves without scripts, handlers, forms or unsafe URLs. */
export function sanitizeHtml(html: string): string {
  return purify().sanitize(html, PURIFY_CONFIG) as unknown as string;
}

/** Sanitised HTML for a markdown text (exported for tests). */
export function markdownToSafeHtml(text: string): string {
  return sanitizeHtml(md.render(text));
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
  target.innerHTML = markdownToSafeHtml(text);
  decorateCodeBlocks(target, options);
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
      const insert = codeButton(doc, "insert-code-button", "insert", options.strings.insertAtCursor);
      insert.addEventListener("click", () => options.insert?.(code.textContent ?? ""));
      tools.append(insert);
    }
    if (options.open) {
      const open = codeButton(doc, "open-code-button", "go-to-file", options.strings.openInEditor);
      open.addEventListener("click", () => options.open?.(code.textContent ?? "", language));
      tools.append(open);
    }
    const button = codeButton(doc, "copy-code-button", "copy", options.strings.copy);
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
    highlightCode(code, sanitizeHtml);
  }
}

function codeButton(doc: Document, className: string, icon: string, label: string): HTMLButtonElement {
  const button = doc.createElement("button");
  button.type = "button";
  button.className = `code-action ${className}`;
  button.title = label;
  button.setAttribute("aria-label", label);
  const glyph = doc.createElement("span");
  glyph.className = `codicon codicon-${icon}`;
  glyph.setAttribute("aria-hidden", "true");
  button.append(glyph);
  return button;
}
