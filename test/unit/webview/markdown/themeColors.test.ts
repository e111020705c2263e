// @vitest-environment jsdom
/** Code blocks take the theme's syntax colours: control keywords apart from the others, set as CSS variables. */
import { beforeEach, describe, expect, it } from "vitest";
import { hostMessage, isHostMessage } from "../../../../src/protocol/messages";
import type { WebviewMessage } from "../../../../src/protocol/messages";
import { ChatApp } from "../../../../src/webview/app";
import { skeinHighlighter } from "../../../../src/webview/highlightBundle";

const rootStyle = () => document.documentElement.style;

function app(tokenColors?: string): ChatApp {
  document.body.innerHTML = "";
  const root = document.createElement("div");
  root.id = "app";
  if (tokenColors !== undefined) root.dataset.tokenColors = tokenColors;
  document.body.append(root);
  const posted: WebviewMessage[] = [];
  const chat = new ChatApp(root, { postMessage: (m) => posted.push(m), getState: () => undefined, setState: () => {} });
  chat.start();
  return chat;
}

describe("syntax colours from the theme", () => {
  beforeEach(() => document.documentElement.removeAttribute("style"));

  it("marks control-flow keywords apart from the other keywords, as the editor's grammars scope them", () => {
    const ts = skeinHighlighter.highlight("export function f(a: number) { let b = a; if (b) return b; }", "ts")!;
    const classes = (word: string) => new RegExp(`<span class="([^"]+)">${word}</span>`).exec(ts)?.[1];
    expect(classes("export")).toBe("hljs-keyword hljs-control");
    expect(classes("return")).toBe("hljs-keyword hljs-control");
    expect(classes("if")).toBe("hljs-keyword hljs-control");
    expect(classes("let")).toBe("hljs-keyword");
    expect(classes("function")).toBe("hljs-keyword");
    const py = skeinHighlighter.highlight("def f(x):\n    return x", "python")!;
    expect(py).toContain('<span class="hljs-keyword">def</span>');
    expect(py).toContain('<span class="hljs-keyword hljs-control">return</span>');
  });

  it("sets the host's colours as --skein-token-* at load and on every change; null restores the stylesheet's", () => {
    const chat = app(JSON.stringify({ keyword: "#569cd6", control: "#C586C0", comment: "inherit" }));
    expect(rootStyle().getPropertyValue("--skein-token-keyword")).toBe("#569cd6");
    expect(rootStyle().getPropertyValue("--skein-token-control")).toBe("#C586C0");
    expect(rootStyle().getPropertyValue("--skein-token-comment")).toBe("inherit");
    // The theme changed to one with other colours (and none for comments).
    chat.receive(hostMessage("tokenColors", { colors: { keyword: "#0000ff", control: "#AF00DB" } }));
    expect(rootStyle().getPropertyValue("--skein-token-keyword")).toBe("#0000ff");
    expect(rootStyle().getPropertyValue("--skein-token-control")).toBe("#AF00DB");
    expect(rootStyle().getPropertyValue("--skein-token-comment")).toBe("");
    // A theme that could not be read.
    chat.receive(hostMessage("tokenColors", { colors: null }));
    expect(rootStyle().getPropertyValue("--skein-token-keyword")).toBe("");
  });

  it("accepts only colour literals for known kinds (the values become CSS), in the page and in messages", () => {
    const ok = (colors: unknown) => isHostMessage({ type: "tokenColors", params: { colors } });
    expect(ok({ keyword: "#abc", string: "#a1b2c3d4", comment: "inherit" })).toBe(true);
    expect(ok(null)).toBe(true);
    expect(ok({ keyword: "red" })).toBe(false);
    expect(ok({ keyword: "#fff; background: url(https://x)" })).toBe(false);
    expect(ok({ "keyword; color": "#fff" })).toBe(false);
    expect(ok({ unknownKind: "#fff" })).toBe(false);
    expect(ok("#fff")).toBe(false);
    app(JSON.stringify({ keyword: "#fff; background: url(https://x)" }));
    expect(rootStyle().getPropertyValue("--skein-token-keyword")).toBe("");
    app("{not json");
    expect(rootStyle().getPropertyValue("--skein-token-keyword")).toBe("");
  });
});
