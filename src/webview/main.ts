/** Webview entry (bundled to dist/webview.js): wires the VS Code webview API to the chat app. */
import { ChatApp, type VsCodeApi } from "./app";

declare function acquireVsCodeApi(): VsCodeApi;

const root = document.getElementById("app");
if (root) {
  const app = new ChatApp(root, acquireVsCodeApi());
  window.addEventListener("message", (event: MessageEvent) => app.receive(event.data));
  app.start();
}
