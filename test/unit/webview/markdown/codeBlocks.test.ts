// @vitest-environment jsdom
/** Code blocks in the chat: colours from highlight.js (loaded lazily), and Copy / Insert at Cursor / Open in New Editor. */
import { describe, expect, it, vi } from "vitest";
import { configureHighlighter, useHighlighter } from "../../../../src/webview/markdown/highlight";
import { now, onNextFrame } from "../../../../src/webview/frameWork";
import { skeinHighlighter } from "../../../../src/webview/highlightBundle";
import { renderInto, type RenderOptions } from "../../../../src/webview/markdown/markdown";

const strings = {
  copy: "Copy",
  copied: "Copied",
  truncated: "Plain.",
  insertAtCursor: "Insert at Cursor",
  openInEditor: "Open in New Editor",
};

function render(text: string, over: Partial<RenderOptions> = {}): HTMLElement {
  const target = document.createElement("div");
  document.body.append(target);
  renderInto(target, text, { strings, copy: () => {}, ...over });
  return target;
}

const TS = '```ts\nconst greeting: string = "hi"; // say it\nfunction add(a: number) { return a + 1; }\n```';

describe("code blocks", () => {
  it("load the highlighter only when a block with a language appears, then colour every block that waited", async () => {
    configureHighlighter("https://file+.vscode-resource/dist/highlight.js", "n0nce");
    const plain = render("```\nno language\n```");
    expect(document.head.querySelectorAll("script")).toHaveLength(0);
    const first = render(TS);
    const second = render("```python\ndef f():\n    return 1\n```");
    const scripts = document.head.querySelectorAll<HTMLScriptElement>("script");
    expect(scripts).toHaveLength(1); // one load for all blocks
    expect(scripts[0]!.src).toBe("https://file+.vscode-resource/dist/highlight.js");
    expect(scripts[0]!.nonce).toBe("n0nce");
    expect(first.querySelector("code")!.classList.contains("hljs")).toBe(false);
    // The bundle has loaded: it installs itself on globalThis. Colouring starts on the next frame, not in the
    // task that ran the bundle.
    (globalThis as { skeinHighlighter?: unknown }).skeinHighlighter = skeinHighlighter;
    scripts[0]!.dispatchEvent(new Event("load"));
    expect(first.querySelector("code")!.classList.contains("hljs")).toBe(false);
    // Within a few frames (each frame colours what fits its budget).
    await vi.waitFor(() => expect(first.querySelector("code .hljs-keyword")?.textContent).toBe("const"));
    expect(first.querySelector("code .hljs-string")?.textContent).toBe('"hi"');
    expect(first.querySelector("code .hljs-comment")?.textContent).toBe("// say it");
    await vi.waitFor(() => expect(second.querySelector("code .hljs-keyword")?.textContent).toBe("def"));
    expect(plain.querySelector("code")!.classList.contains("hljs")).toBe(false);
    // The code's text is unchanged by colouring (Copy, Insert and Open send exactly it).
    expect(first.querySelector("code")!.textContent).toBe(
      'const greeting: string = "hi"; // say it\nfunction add(a: number) { return a + 1; }\n',
    );
  });

  it("colour many waiting blocks a frame's budget at a time, newest first, so the load never freezes the chat", async () => {
    useHighlighter(undefined);
    const blocks = Array.from({ length: 12 }, (_, i) => render(`\`\`\`ts\nconst x${i} = ${i};\n\`\`\``));
    // Each block costs at least 5 ms here: a frame's budget holds one or two of them.
    const slow = {
      highlight(code: string, language: string) {
        const until = performance.now() + 5;
        while (performance.now() < until) {
          /* a grammar's first compile, or a long block */
        }
        return skeinHighlighter.highlight(code, language);
      },
    };
    const coloured = () => blocks.map((b) => b.querySelector("code")!.classList.contains("hljs"));
    useHighlighter(slow);
    const first = coloured();
    expect(first.filter(Boolean).length).toBeGreaterThan(0);
    expect(first.filter(Boolean).length).toBeLessThan(blocks.length);
    expect(first.at(-1)).toBe(true); // the newest (on screen while a reply streams) first
    expect(first[0]).toBe(false);
    await vi.waitFor(() => expect(coloured().every(Boolean)).toBe(true));
    useHighlighter(skeinHighlighter);
  });

  it("colour a language's first block on a frame of its own (its grammar compiles) and later blocks at once", async () => {
    useHighlighter(skeinHighlighter);
    const first = render("```rust\nfn main() {}\n```");
    expect(first.querySelector("code.hljs")).toBeNull();
    await vi.waitFor(() => expect(first.querySelector(".hljs-keyword")?.textContent).toBe("fn"));
    expect(render("```rust\nfn later() {}\n```").querySelector(".hljs-keyword")?.textContent).toBe("fn");
    // Only the first block of a frame may compile a grammar: a second new language waits for the next frame.
    vi.useFakeTimers({ toFake: ["setTimeout", "requestAnimationFrame"] });
    try {
      const [ruby, lua] = [render("```ruby\nputs 1\n```"), render("```lua\nlocal x = 1\n```")];
      vi.advanceTimersToNextTimer();
      expect(lua.querySelector("code.hljs")).not.toBeNull(); // the newest first
      expect(ruby.querySelector("code.hljs")).toBeNull();
      vi.advanceTimersToNextTimer();
      expect(ruby.querySelector("code.hljs")).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("compile a grammar in a frame the streamed text left quiet, or after it has waited 30 busy frames", () => {
    useHighlighter(skeinHighlighter);
    const busy = () => {
      const until = now() + 5;
      while (now() < until) {
        /* a streamed batch being rendered */
      }
    };
    vi.useFakeTimers({ toFake: ["setTimeout", "requestAnimationFrame"] });
    try {
      const go = render("```go\nfunc main() {}\n```").querySelector("code")!;
      onNextFrame("render", busy);
      vi.advanceTimersToNextTimer();
      expect(go.classList.contains("hljs")).toBe(false); // the frame was busy
      vi.advanceTimersToNextTimer();
      expect(go.classList.contains("hljs")).toBe(true); // a quiet one
      const swift = render("```swift\nlet x = 1\n```").querySelector("code")!;
      let frames = 0;
      while (!swift.classList.contains("hljs") && frames < 40) {
        onNextFrame("render", busy);
        vi.advanceTimersToNextTimer();
        frames++;
      }
      expect(frames).toBe(31);
    } finally {
      vi.useRealTimers();
    }
  });

  it("leave unknown languages plain, and never let markup through", async () => {
    useHighlighter(skeinHighlighter);
    const alias = render("```sh\necho hi\n```");
    await vi.waitFor(() => expect(alias.querySelector("code.hljs")).not.toBeNull());
    const unknown = render("```klingon\nqapla'\n```").querySelector("code")!;
    const hostile = render('```html\n<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>\n```');
    await vi.waitFor(() => expect(hostile.querySelector("code.hljs")).not.toBeNull());
    expect(unknown.classList.contains("hljs")).toBe(false);
    expect(unknown.textContent).toBe("qapla'\n");
    expect(hostile.querySelector("img, script")).toBeNull();
    expect(hostile.querySelector("code")!.textContent).toContain("<script>window.pwned=2</script>");
    // Even a highlighter that returned markup would pass through the sanitiser.
    useHighlighter({ highlight: () => '<span class="hljs-keyword">x</span><img src=x onerror="window.pwned=3">' });
    const walled = render("```ts\nx\n```");
    await vi.waitFor(() => expect(walled.querySelector(".hljs-keyword")).not.toBeNull());
    expect(walled.querySelector("img")?.getAttribute("onerror") ?? null).toBeNull();
    expect((window as { pwned?: number }).pwned).toBeUndefined();
    useHighlighter(skeinHighlighter);
  });

  it("offer Copy, Insert at Cursor and Open in New Editor with the block's text and language", () => {
    const inserted: string[] = [];
    const opened: Array<[string, string | undefined]> = [];
    const copied: string[] = [];
    const el = render("```python\nprint(1)\n```\n\n```\nplain\n```", {
      copy: (t) => copied.push(t),
      insert: (t) => inserted.push(t),
      open: (t, l) => opened.push([t, l]),
    });
    const [python, plain] = Array.from(el.querySelectorAll(".code-block"));
    const button = (block: Element, name: string) => block.querySelector<HTMLButtonElement>(`.${name}`)!;
    expect(button(python!, "insert-code-button").getAttribute("aria-label")).toBe("Insert at Cursor");
    expect(button(python!, "open-code-button").getAttribute("aria-label")).toBe("Open in New Editor");
    button(python!, "insert-code-button").click();
    button(python!, "open-code-button").click();
    button(plain!, "open-code-button").click();
    button(python!, "copy-code-button").click();
    expect(inserted).toEqual(["print(1)\n"]);
    expect(opened).toEqual([
      ["print(1)\n", "python"],
      ["plain\n", undefined],
    ]);
    expect(copied).toEqual(["print(1)\n"]);
  });
});
