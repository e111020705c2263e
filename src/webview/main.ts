/** Webview entry (bundled to dist/webview.js): wires the VS Code webview API to the chat app. */
import { ChatApp, type VsCodeApi } from "./app";
import { configureHighlighter } from "./highlight";

declare function acquireVsCodeApi(): VsCodeApi;

// Performance marks of the view's first paint (script → ready → first snapshot → painted), read by
// bench/reload.bench.ts and shown in DevTools' Performance panel; each is set once.
performance.mark("skein/script");
const root = document.getElementById("app");
if (root) {
  configureHighlighter(
    root.dataset.highlighter,
    (document.currentScript as HTMLScriptElement | null)?.nonce || undefined,
  );
  const app = new ChatApp(root, acquireVsCodeApi());
  let painted = false;
  window.addEventListener("message", (event: MessageEvent) => {
    const first = !painted && (event.data as { type?: unknown } | null)?.type === "snapshot";
    if (first) {
      painted = true;
      performance.mark("skein/snapshot");
    }
    app.receive(event.data);
    if (first) requestAnimationFrame(() => setTimeout(() => performance.mark("skein/painted"), 0));
  });
  app.start();
  performance.mark("skein/ready");
}
