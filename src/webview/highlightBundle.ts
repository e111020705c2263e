/**
 * Entry of dist/highlight.js, the lazily loaded highlighter: highlight.js with its common languages (about 40),
 * published as `globalThis.skeinHighlighter` for src/webview/highlight.ts.
 */
import hljs from "highlight.js/lib/common";
import type { Highlighter } from "./highlight";

/** Fence names people write that highlight.js knows under another name. */
const ALIASES: Record<string, string> = {
  sh: "bash",
  shell: "bash",
  zsh: "bash",
  console: "bash",
  jsonc: "json",
  vue: "xml",
  svelte: "xml",
};

export const skeinHighlighter: Highlighter = {
  highlight(code, language) {
    const name = language.toLowerCase();
    const known = hljs.getLanguage(name) ? name : ALIASES[name];
    if (!known || !hljs.getLanguage(known)) return undefined;
    return hljs.highlight(code, { language: known, ignoreIllegals: true }).value;
  },
};

(globalThis as { skeinHighlighter?: Highlighter }).skeinHighlighter = skeinHighlighter;
