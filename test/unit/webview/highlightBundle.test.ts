import common from "highlight.js/lib/common";
import { describe, expect, it } from "vitest";
import { GRAMMAR_ALIASES, GRAMMARS, skeinHighlighter } from "../../../src/webview/highlightBundle";

describe("the lazily registered highlighter", () => {
  it("knows every language of highlight.js's common set, under the names highlight.js gives it", () => {
    expect(Object.keys(GRAMMARS).sort()).toEqual(common.listLanguages().sort());
    for (const name of common.listLanguages()) {
      expect([name, GRAMMAR_ALIASES[name] ?? []]).toEqual([name, common.getLanguage(name)?.aliases ?? []]);
    }
  });

  it("colours exactly as highlight.js's common bundle does, for names and aliases alike", () => {
    const samples: [string, string][] = [
      ["ts", "export function f(a: number): string { return `${a}`; }"],
      ["py", "def f(x):\n    return x  # done"],
      ["rs", "fn main() { let v: Vec<u8> = vec![1]; }"],
      ["sh", 'for f in *.ts; do echo "$f"; done'],
      ["console", "$ npm test\n> ok"],
      ["jsonc", '{ "a": [1, true, null] }'],
      ["yml", "key: value\nlist:\n  - 1"],
    ];
    for (const [language, code] of samples) {
      const ours = skeinHighlighter.highlight(code, language)!;
      const theirs = common.highlight(code, { language, ignoreIllegals: true }).value;
      expect(ours.replace(/ hljs-control/g, "")).toBe(theirs);
    }
  });

  it("registers the grammars a grammar embeds: HTML's script and style, Markdown's HTML", () => {
    const html = "<style>p { color: red; }</style><script>const x = 1;</script>";
    const ours = skeinHighlighter.highlight(html, "html")!;
    expect(ours).toContain('class="language-css"');
    expect(ours).toContain('class="language-javascript"');
    expect(ours.replace(/ hljs-control/g, "")).toBe(common.highlight(html, { language: "html" }).value);
  });

  it("leaves unknown languages plain, and maps Vue and Svelte to HTML", () => {
    expect(skeinHighlighter.highlight("x", "no-such-language")).toBeUndefined();
    expect(skeinHighlighter.highlight("<div></div>", "vue")).toContain("hljs-tag");
  });
});
