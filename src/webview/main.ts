/** Webview entry (bundled to dist/webview.js): wires the VS Code webview API to the chat app. */
import { ChatApp, type VsCodeApi } from "./app";
import { configureHighlighter, preloadHighlighter } from "./markdown/highlight";

declare function acquireVsCodeApi(): VsCodeApi;

// Performance marks of the view's first paint, read by bench/reload.bench.ts and shown in DevTools' Performance
// panel, each set once: script → painted (the history is on screen: from the view's saved state, or else from
// the first snapshot) → ready → snapshot (the host's answer) → current (the snapshot is on screen).
performance.mark("skein/script");
const afterPaint = (name: string) => requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
const root = document.getElementById("app");
if (root) {
  configureHighlighter(
    root.dataset.highlighter,
    (document.currentScript as HTMLScriptElement | null)?.nonce || undefined,
  );
  const app = new ChatApp(root, acquireVsCodeApi());
  let snapshotSeen = false;
  let early = false;
  window.addEventListener("message", (event: MessageEvent) => {
    const first = !snapshotSeen && (event.data as { type?: unknown } | null)?.type === "snapshot";
    if (first) {
      snapshotSeen = true;
      performance.mark("skein/snapshot");
    }
    app.receive(event.data);
    if (first) {
      afterPaint("skein/current");
      if (!early) afterPaint("skein/painted");
    }
  });
  app.start();
  early = app.paintedEarly;
  if (early) {
    document.body.dataset.paintedFrom = "state";
    afterPaint("skein/painted");
  }
  performance.mark("skein/ready");
  preloadHighlighter(document);
}
