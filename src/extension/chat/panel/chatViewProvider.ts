/**
 * The Chat webview view: HTML with a strict CSP, and a pipe between the webview and ChatController.
 * State survives reload through the webview's own setState (draft, scroll) and the controller's workspaceState
 * (open thread), not through retainContextWhenHidden.
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { hostMessage, type HostMessage } from "../../../protocol/messages";
import type { TokenColors } from "../../theme/tokenColors";
import type { ChatController, ChatPanel } from "../chatController";
import { chatWebviewHtml } from "./webviewHtml";

export const CHAT_VIEW_ID = "skein.chat";

export class ChatViewProvider implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  /**
   * When activate() made this provider and when VS Code asked it for the view (epoch ms): the page carries them so
   * the webview's first-paint marks line up with the host's (bench/reload.bench.ts).
   */
  private readonly createdAt = Date.now();
  private resolvedAt = 0;
  /** Tool calls waiting for approval in this workspace's threads (the view's badge). */
  private waiting = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: ChatController,
    /** The active theme's syntax colours (undefined: not read, or unreadable). */
    private readonly tokenColors: () => TokenColors | undefined = () => undefined,
  ) {}

  /** The theme's syntax colours changed: the open view recolours its code blocks. */
  postTokenColors(): void {
    void this.view?.webview.postMessage(hostMessage("tokenColors", { colors: this.tokenColors() ?? null }));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.resolvedAt = Date.now();
    this.view = view;
    view.badge = badgeFor(this.waiting);
    const webview = view.webview;
    webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, "media"),
        vscode.Uri.joinPath(this.extensionUri, "dist"),
      ],
    };
    // First: the page starts loading while the rest is wired (and the open thread is read ahead).
    webview.html = this.html(webview);
    const panel: ChatPanel = {
      post: (message: HostMessage) => {
        // The open thread's title shows next to the view's name.
        if (message.type === "snapshot" || message.type === "title")
          view.description = message.params.title || undefined;
        void webview.postMessage(message);
      },
    };
    this.controller.attach(panel);
    // The webview posts `ready` once its script runs; the controller answers with the snapshot.
    const sub = webview.onDidReceiveMessage((message: unknown) => {
      // A (re)loaded page gets the colours current now, whatever its HTML carried.
      if ((message as { type?: unknown } | null)?.type === "ready") this.postTokenColors();
      this.controller.handleMessage(message).catch((error: unknown) => {
        console.error("[skein] webview message failed:", error instanceof Error ? error.message : String(error));
      });
    });
    view.onDidDispose(() => {
      sub.dispose();
      this.controller.detach(panel);
      if (this.view === view) this.view = undefined;
    });
  }

  /** The badge on the chat view (and so on Skein's activity bar icon): how many tool calls wait for approval. */
  setWaitingApprovals(count: number): void {
    this.waiting = count;
    if (this.view) this.view.badge = badgeFor(count);
  }

  /** Shows the chat view (resolving it if needed). */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(false);
    else await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
  }

  private html(webview: vscode.Webview): string {
    return chatWebviewHtml({
      extensionPath: this.extensionUri.fsPath,
      asset: (...path) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString(),
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString("base64"),
      language: vscode.env.language,
      openThreadId: this.controller.openRef.threadId,
      strings: this.controller.strings,
      tokenColors: this.tokenColors(),
      activatedAt: this.createdAt,
      resolvedAt: this.resolvedAt,
    });
  }
}

function badgeFor(count: number): vscode.ViewBadge | undefined {
  if (count <= 0) return undefined;
  return {
    value: count,
    tooltip:
      count === 1
        ? vscode.l10n.t("1 tool call waits for your approval")
        : vscode.l10n.t("{0} tool calls wait for your approval", count),
  };
}
