/**
 * Entry of dist/highlight.js, the lazily loaded highlighter: highlight.js's core with its common languages (about
 * 40), published as `globalThis.skeinHighlighter` for src/webview/markdown/highlight.ts.
 *
 * A language is registered the first time a code block asks for it, not when the bundle loads: running all
 * forty grammar definitions at once is one main-thread task of tens of milliseconds in the middle of a streaming
 * reply, while one grammar costs a few. A grammar that embeds others (HTML's `<script>` is JavaScript, Markdown's
 * HTML is XML) registers those with it.
 */
import core from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import csharp from "highlight.js/lib/languages/csharp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import graphql from "highlight.js/lib/languages/graphql";
import ini from "highlight.js/lib/languages/ini";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import kotlin from "highlight.js/lib/languages/kotlin";
import less from "highlight.js/lib/languages/less";
import lua from "highlight.js/lib/languages/lua";
import makefile from "highlight.js/lib/languages/makefile";
import markdown from "highlight.js/lib/languages/markdown";
import objectivec from "highlight.js/lib/languages/objectivec";
import perl from "highlight.js/lib/languages/perl";
import php from "highlight.js/lib/languages/php";
import phpTemplate from "highlight.js/lib/languages/php-template";
import plaintext from "highlight.js/lib/languages/plaintext";
import python from "highlight.js/lib/languages/python";
import pythonRepl from "highlight.js/lib/languages/python-repl";
import r from "highlight.js/lib/languages/r";
import ruby from "highlight.js/lib/languages/ruby";
import rust from "highlight.js/lib/languages/rust";
import scss from "highlight.js/lib/languages/scss";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import swift from "highlight.js/lib/languages/swift";
import typescript from "highlight.js/lib/languages/typescript";
import vbnet from "highlight.js/lib/languages/vbnet";
import wasm from "highlight.js/lib/languages/wasm";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import type { LanguageFn, Mode } from "highlight.js";
import type { Highlighter } from "./markdown/highlight";

/** The languages of highlight.js's common set, by name. */
export const GRAMMARS: Record<string, LanguageFn> = {
  bash,
  c,
  cpp,
  csharp,
  css,
  diff,
  go,
  graphql,
  ini,
  java,
  javascript,
  json,
  kotlin,
  less,
  lua,
  makefile,
  markdown,
  objectivec,
  perl,
  php,
  "php-template": phpTemplate,
  plaintext,
  python,
  "python-repl": pythonRepl,
  r,
  ruby,
  rust,
  scss,
  shell,
  sql,
  swift,
  typescript,
  vbnet,
  wasm,
  xml,
  yaml,
};

/**
 * The other names each grammar answers to, as its definition declares them (a unit test checks this against
 * highlight.js itself). Known before the grammar runs, so a fence written `ts` finds `typescript` unloaded.
 */
export const GRAMMAR_ALIASES: Record<string, string[]> = {
  xml: ["html", "xhtml", "rss", "atom", "xjb", "xsd", "xsl", "plist", "wsf", "svg"],
  bash: ["sh", "zsh"],
  c: ["h"],
  cpp: ["cc", "c++", "h++", "hpp", "hh", "hxx", "cxx"],
  csharp: ["cs", "c#"],
  markdown: ["md", "mkdown", "mkd"],
  diff: ["patch"],
  ruby: ["rb", "gemspec", "podspec", "thor", "irb"],
  go: ["golang"],
  graphql: ["gql"],
  ini: ["toml"],
  java: ["jsp"],
  javascript: ["js", "jsx", "mjs", "cjs"],
  json: ["jsonc", "json5"],
  kotlin: ["kt", "kts", "ktm", "ktx"],
  lua: ["pluto"],
  makefile: ["mk", "mak", "make"],
  perl: ["pl", "pm"],
  objectivec: ["mm", "objc", "obj-c", "obj-c++", "objective-c++"],
  plaintext: ["text", "txt"],
  python: ["py", "gyp", "ipython"],
  "python-repl": ["pycon"],
  rust: ["rs"],
  shell: ["console", "shellsession"],
  yaml: ["yml"],
  typescript: ["ts", "tsx", "mts", "cts"],
  vbnet: ["vb"],
};

/** Fence names people write that highlight.js does not know, and the grammar that fits them. */
const EXTRA_ALIASES: Record<string, string> = {
  vue: "xml",
  svelte: "xml",
};

/** An instance of its own: what is registered in it is exactly what `ensureGrammar` registered. */
const hljs = core.newInstance();

/** Every name a fence may use → the grammar that highlights it. */
const GRAMMAR_OF = new Map<string, string>();
for (const name of Object.keys(GRAMMARS)) GRAMMAR_OF.set(name, name);
for (const [name, aliases] of Object.entries(GRAMMAR_ALIASES)) for (const alias of aliases) GRAMMAR_OF.set(alias, name);
for (const [alias, name] of Object.entries(EXTRA_ALIASES)) if (!GRAMMAR_OF.has(alias)) GRAMMAR_OF.set(alias, name);

/** Registers a grammar and, after it, every grammar it embeds; true when `name` is a known grammar. */
function ensureGrammar(name: string): boolean {
  if (hljs.getLanguage(name)) return true;
  const grammar = GRAMMARS[name];
  if (!grammar) return false;
  hljs.registerLanguage(name, grammar);
  for (const embedded of embeddedGrammars(hljs.getLanguage(name))) ensureGrammar(embedded);
  return true;
}

/** The `subLanguage` names anywhere in a grammar's modes. */
function embeddedGrammars(root: Mode | undefined): Set<string> {
  const found = new Set<string>();
  const seen = new Set<object>();
  const visit = (mode: unknown): void => {
    if (!mode || typeof mode !== "object" || seen.has(mode)) return;
    seen.add(mode);
    const { subLanguage, contains, variants, starts } = mode as Mode;
    for (const name of typeof subLanguage === "string" ? [subLanguage] : (subLanguage ?? [])) found.add(name);
    for (const child of [...(contains ?? []), ...(variants ?? []), starts]) visit(child);
  };
  visit(root);
  return found;
}

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
    const name = GRAMMAR_OF.get(language.toLowerCase());
    if (!name || !ensureGrammar(name)) return undefined;
    const html = hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
    return html.replace(/<span class="hljs-keyword">(\w+)<\/span>/g, (span, word: string) =>
      CONTROL.has(word) ? `<span class="hljs-keyword hljs-control">${word}</span>` : span,
    );
  },
};

(globalThis as { skeinHighlighter?: Highlighter }).skeinHighlighter = skeinHighlighter;
