/**
 * Entry of dist/highlight.js, the lazily loaded highlighter: highlight.js with its common languages (about 40),
 * published as `globalThis.skeinHighlighter` for src/webview/markdown/highlight.ts.
 */
import hljs from "highlight.js/lib/common";
import type { Highlighter } from "./markdown/highlight";

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

/**
 * Keywords that steer control flow. highlight.js gives every keyword one class; VS Code's grammars scope these as
 * `keyword.control` and most others (`let`, `function`, `def`, `class`) as `storage.type`, and themes colour the
 * two apart (Dark+: purple and blue). The extra class lets the chat do the same.
 */
const CONTROL = new Set(
  (
    "if else elif for foreach while do switch case default break continue return throw raise try catch except " +
    "finally import export from await yield goto with pass match when unless until loop then end fi done esac"
  ).split(" "),
);

export const skeinHighlighter: Highlighter = {
  highlight(code, language) {
    const name = language.toLowerCase();
    const known = hljs.getLanguage(name) ? name : ALIASES[name];
    if (!known || !hljs.getLanguage(known)) return undefined;
    const html = hljs.highlight(code, { language: known, ignoreIllegals: true }).value;
    return html.replace(/<span class="hljs-keyword">(\w+)<\/span>/g, (span, word: string) =>
      CONTROL.has(word) ? `<span class="hljs-keyword hljs-control">${word}</span>` : span,
    );
  },
};

(globalThis as { skeinHighlighter?: Highlighter }).skeinHighlighter = skeinHighlighter;
