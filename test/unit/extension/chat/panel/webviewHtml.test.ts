// @vitest-environment jsdom
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chatWebviewHtml, type WebviewHtmlParts } from "../../../../../src/extension/chat/panel/webviewHtml";
import type { WebviewStrings } from "../../../../../src/protocol/types";

const root = mkdtempSync(join(tmpdir(), "skein-html-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function extension(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "ext-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const parts = (extensionPath: string): WebviewHtmlParts => ({
  extensionPath,
  asset: (...path) => `https://webview.test/${path.join("/")}`,
  cspSource: "https://webview.test",
  nonce: "n0nce",
  language: "en",
  openThreadId: 'thread "1" <b>',
  strings: { send: 'Send "now" & <go>' } as WebviewStrings,
  activatedAt: 1,
  resolvedAt: 2,
});

describe("the chat webview's HTML", () => {
  it("inlines the script and stylesheets under the CSP nonce, so the first paint loads no resource", () => {
    const dir = extension({
      "dist/webview.js": 'document.body.dataset.ran = "yes"; const tag = "</script><b>escaped</b>";',
      "media/chat.css": ".chat { color: red; }",
      "media/tools.css": ".approval-card { color: blue; }",
      "dist/codicons/codicon.css": '@font-face { src: url("./codicon.ttf?abc123") format("truetype"); }',
    });
    const html = chatWebviewHtml(parts(dir));
    const doc = new DOMParser().parseFromString(html, "text/html");
    const scripts = Array.from(doc.querySelectorAll("script"));
    expect(scripts).toHaveLength(1);
    expect(scripts[0]!.getAttribute("src")).toBeNull();
    expect(scripts[0]!.getAttribute("nonce")).toBe("n0nce");
    // A closing tag inside the bundle's text does not end the element early.
    expect(scripts[0]!.textContent).toContain('const tag = "<\\/script><b>escaped</b>"');
    expect(doc.querySelectorAll("b")).toHaveLength(0);
    const styles = Array.from(doc.querySelectorAll("style")).map((s) => s.textContent ?? "");
    expect(styles.join("\n")).toContain(".chat { color: red; }");
    expect(styles.join("\n")).toContain(".approval-card { color: blue; }");
    // The font named relative to its stylesheet now comes from the webview URI of the font.
    expect(styles.join("\n")).toContain('url("https://webview.test/dist/codicons/codicon.ttf")');
    expect(doc.querySelectorAll("link")).toHaveLength(0);
    const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute("content")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-n0nce'");
    expect(csp).not.toContain("unsafe-inline");
    const app = doc.getElementById("app")!;
    expect(app.dataset.openThread).toBe('thread "1" <b>');
    expect(JSON.parse(app.dataset.strings!)).toEqual({ send: 'Send "now" & <go>' });
    expect(app.dataset.highlighter).toBe("https://webview.test/dist/highlight.js");
  });

  it("a rebuilt bundle is read again; a missing one says which file and what to run", () => {
    const dir = extension({
      "dist/webview.js": "one();",
      "media/chat.css": "",
      "media/tools.css": "",
      "dist/codicons/codicon.css": "",
    });
    expect(chatWebviewHtml(parts(dir))).toContain("one();");
    writeFileSync(join(dir, "dist/webview.js"), "two(); // rebuilt");
    expect(chatWebviewHtml(parts(dir))).toContain("two(); // rebuilt");
    rmSync(join(dir, "dist/webview.js"));
    const doc = new DOMParser().parseFromString(chatWebviewHtml(parts(dir)), "text/html");
    expect(doc.querySelectorAll("script")).toHaveLength(0);
    expect(doc.body.textContent).toContain("webview.js");
    expect(doc.body.textContent).toContain("npm run build");
  });
});
