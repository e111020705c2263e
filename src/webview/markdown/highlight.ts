/**
 * Syntax colours for fenced code blocks. highlight.js is a separate bundle (dist/highlight.js), loaded the first
 * time a code block with a language is shown, so a chat without code never pays for it. Until it has loaded the
 * block shows plain text; then every block waiting for it is coloured. The colours themselves come from the
 * stylesheet (token classes mapped to the VS Code theme), so they follow theme changes without a re-render.
 *
 * Any renderer (the whole-message one in markdown.ts, or one that updates a streaming message in place) calls
 * `highlightCode` on a `<code>` element whose text is final for this render.
 */

/** What dist/highlight.js provides (as `globalThis.skeinHighlighter`). */
export interface Highlighter {
  /** HTML of the coloured code (text escaped, only `<span class="hljs-…">`), or undefined for an unknown language. */
  highlight(code: string, language: string): string | undefined;
}

/** The sanitiser's nodes for the highlighter's HTML. */
type Sanitize = (html: string) => DocumentFragment;

let highlighter: Highlighter | undefined;
let source: { src: string; nonce?: string } | undefined;
let loading = false;
const waiting = new Map<HTMLElement, Sanitize>();

/** Where the highlighter bundle is served from, and the nonce the page's CSP wants on scripts. */
export function configureHighlighter(src: string | undefined, nonce: string | undefined): void {
  source = src ? { src, nonce } : undefined;
}

/** Main-thread time per frame spent colouring the blocks that waited for the highlighter to load. */
const FRAME_BUDGET_MS = 8;
let frameScheduled = false;

/**
 * Installs a highlighter directly (the bundle does this through `globalThis`); colours every waiting block, the
 * newest (the ones on screen while a reply streams) first, a frame's budget at a time: a long reply may have
 * dozens of blocks waiting, and colouring them in one go was one long freeze.
 */
export function useHighlighter(next: Highlighter | undefined): void {
  highlighter = next;
  if (next) paintWaiting();
}

function paintWaiting(): void {
  frameScheduled = false;
  if (!highlighter) return;
  const clock = globalThis.performance ?? Date;
  const started = clock.now();
  for (const [code, sanitize] of [...waiting].reverse()) {
    waiting.delete(code);
    if (code.isConnected) paint(code, sanitize);
    if (clock.now() - started >= FRAME_BUDGET_MS) break;
  }
  if (waiting.size === 0 || frameScheduled) return;
  frameScheduled = true;
  if (typeof globalThis.requestAnimationFrame === "function") globalThis.requestAnimationFrame(paintWaiting);
  else setTimeout(paintWaiting, 16);
}

/** The fence's language (`language-ts` → `ts`), or undefined. */
export function languageOf(code: HTMLElement): string | undefined {
  return /(?:^|\s)language-([\w#+.-]+)/.exec(code.className)?.[1];
}

/** Colours a code block now if the highlighter is there, else once it has loaded. */
export function highlightCode(code: HTMLElement, sanitize: Sanitize): void {
  if (!languageOf(code) || code.classList.contains("hljs")) return;
  if (highlighter) return paint(code, sanitize);
  waiting.set(code, sanitize);
  load(code.ownerDocument);
}

function paint(code: HTMLElement, sanitize: Sanitize): void {
  const language = languageOf(code);
  const text = code.textContent ?? "";
  if (!language || !highlighter) return;
  let html: string | undefined;
  try {
    html = highlighter.highlight(text, language);
  } catch {
    return; // a grammar failing on odd input leaves the block plain, never broken
  }
  if (html === undefined) return;
  // The output is escaped by the highlighter; it still passes the same wall as model output.
  code.replaceChildren(sanitize(html));
  code.classList.add("hljs");
}

function load(doc: Document): void {
  if (loading || !source) return;
  loading = true;
  const script = doc.createElement("script");
  if (source.nonce) script.nonce = source.nonce;
  script.src = source.src;
  script.addEventListener("load", () =>
    useHighlighter((globalThis as { skeinHighlighter?: Highlighter }).skeinHighlighter),
  );
  // Without colours the code is still there and readable; a later block does not retry a failed load.
  script.addEventListener("error", () => waiting.clear());
  doc.head.append(script);
}
