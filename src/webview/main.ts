/** Webview entry (bundled to dist/webview.js): wires the VS Code webview API to the chat app. */
import { ChatApp, type VsCodeApi } from "./app";
import { configureHighlighter } from "./highlight";

declare function acquireVsCodeApi(): VsCodeApi;

const root = document.getElementById("app");
if (root) {
  configureHighlighter(root.dataset.highlighter, (document.currentScript as HTMLScriptElement | null)?.nonce || undefined);
  const app = new ChatApp(root, acquireVsCodeApi());
  window.addEventListener("message", (event: MessageEvent) => app.receive(event.data));
  app.start();
}
