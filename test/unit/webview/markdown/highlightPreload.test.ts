// @vitest-environment jsdom
/** The highlighter loads when the page is first idle, or at once for a code block that comes before that. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { configureHighlighter, preloadHighlighter } from "../../../../src/webview/markdown/highlight";

describe("preloading the highlighter", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("adds the bundle's script when the page is idle, once", () => {
    const idle: Array<() => void> = [];
    vi.stubGlobal("requestIdleCallback", (callback: () => void) => idle.push(callback));
    configureHighlighter("https://file+.vscode-resource/dist/highlight.js", "n0nce");
    preloadHighlighter(document);
    expect(document.head.querySelectorAll("script")).toHaveLength(0);
    expect(idle).toHaveLength(1);
    idle[0]!();
    const scripts = document.head.querySelectorAll<HTMLScriptElement>("script");
    expect(scripts).toHaveLength(1);
    expect(scripts[0]!.src).toBe("https://file+.vscode-resource/dist/highlight.js");
    expect(scripts[0]!.nonce).toBe("n0nce");
    preloadHighlighter(document);
    idle[1]!();
    expect(document.head.querySelectorAll("script")).toHaveLength(1);
  });
});
