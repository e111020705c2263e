/**
 * Syntax colours for fenced code blocks. highlight.js is a separate bundle (dist/highlight.js), loaded the first
 * time a code block with a language is shown, so a chat without code never pays for it. Until it has loaded the
 * block shows plain text; then every block waiting for it is coloured. The colours themselves come from the
 * stylesheet (token classes mapped to the VS Code theme), so they follow theme changes without a re-render.
 *
 * Any renderer (the whole-message one in markdown.ts, or one that updates a streaming message in place) calls
 * `highlightCode` on a `<code>` element whose text is final for this render.
 *
 * A language's first block compiles its grammar (TypeScript's takes about 20 ms), so it is coloured in a frame
 * of its own, first thing, instead of adding that to the frame that rendered it; later blocks in the language
 * are coloured at once.
 */

import { frameTimeUsed, now, onNextFrame } from "../frameWork";

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
/** Languages the current highlighter has coloured a block in: their grammars are compiled. */
let compiled = new Set<string>();

/**
 * Loads the highlighter once the page is first idle (after it painted the history), unless a code block asked
 * for it before: evaluating the bundle takes about 20 ms, and in the middle of a window's first streamed reply
 * that made one frame late.
 */
export function preloadHighlighter(doc: Document): void {
  if (typeof globalThis.requestIdleCallback === "function")
    globalThis.requestIdleCallback(() => load(doc), { timeout: 5_000 });
}

/** Where the highlighter bundle is served from, and the nonce the page's CSP wants on scripts. */
export function configureHighlighter(src: string | undefined, nonce: string | undefined): void {
  source = src ? { src, nonce } : undefined;
}

/** Main-thread time per frame, other work in the frame included, up to which waiting blocks are coloured. */
const FRAME_BUDGET_MS = 12;
/** A grammar compiles for the first time only in a frame whose other work took less than this… */
const QUIET_FRAME_MS = 3;
/** …or once it has waited this many frames (a reply streaming every frame leaves no quiet frame). */
const MAX_POSTPONED_FRAMES = 30;
let postponed = 0;

/**
 * Installs a highlighter directly (the bundle does this through `globalThis`); colours every waiting block, the
 * newest (the ones on screen while a reply streams) first, a frame's budget at a time: a long reply may have
 * dozens of blocks waiting, and colouring them in one go was one long freeze.
 */
export function useHighlighter(next: Highlighter | undefined): void {
  highlighter = next;
  compiled = new Set();
  if (next) paintWaiting();
}

function paintWaiting(): void {
  if (!highlighter) return;
  const since = now();
  let painted = 0;
  let deferred = false;
  for (const [code, sanitize] of [...waiting].reverse()) {
    if (!code.isConnected) {
      waiting.delete(code);
      continue;
    }
    // A grammar's first compile needs a frame of its own: after other work, it waits for a quieter one.
    const busy = painted > 0 || frameTimeUsed(since) > QUIET_FRAME_MS;
    if (busy && !compiled.has(languageOf(code) ?? "") && postponed < MAX_POSTPONED_FRAMES) {
      deferred = true;
      continue;
    }
    waiting.delete(code);
    paint(code, sanitize);
    painted++;
    if (frameTimeUsed(since) >= FRAME_BUDGET_MS) break;
  }
  postponed = deferred ? postponed + 1 : 0;
  if (waiting.size > 0) onNextFrame("colour", paintWaiting);
}

/** The fence's language (`language-ts` → `ts`), or undefined. */
export function languageOf(code: HTMLElement): string | undefined {
  return /(?:^|\s)language-([\w#+.-]+)/.exec(code.className)?.[1];
}

/**
 * Colours a code block: now if the highlighter is there with the block's grammar compiled, on a later frame if
 * the grammar is yet to compile, or once the highlighter has loaded.
 */
export function highlightCode(code: HTMLElement, sanitize: Sanitize): void {
  const language = languageOf(code);
  if (!language || code.classList.contains("hljs")) return;
  if (highlighter && compiled.has(language)) return paint(code, sanitize);
  waiting.set(code, sanitize);
  if (highlighter) onNextFrame("colour", paintWaiting);
  else load(code.ownerDocument);
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
  compiled.add(language);
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
  // Colouring starts on the next frame, not in the task that ran the bundle's script.
  script.addEventListener("load", () =>
    onNextFrame("colour", () => useHighlighter((globalThis as { skeinHighlighter?: Highlighter }).skeinHighlighter)),
  );
  // Without colours the code is still there and readable; a later block does not retry a failed load.
  script.addEventListener("error", () => waiting.clear());
  doc.head.append(script);
}
