/**
 * The chat webview's HTML. The script and the stylesheets it needs for its first paint are inlined (with the CSP
 * nonce) instead of linked: in VS Code every webview resource is a round trip through the workbench's service
 * worker and the extension host's file system, and right after a window reload, when the workbench is busiest,
 * those round trips took 1–2 s before the script could run. The codicon font and the lazily loaded highlighter
 * stay as resources (neither holds up the first paint).
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { WebviewStrings } from "../../../protocol/types";

export interface WebviewHtmlParts {
  /** The extension's root folder on disk. */
  extensionPath: string;
  /** A file of the extension as a URI the webview may load (`webview.asWebviewUri`). */
  asset(...path: string[]): string;
  cspSource: string;
  nonce: string;
  /** The UI language (`vscode.env.language`). */
  language: string;
  /** The thread the host will show: the webview paints what it remembers of it only if it is the same one. */
  openThreadId: string;
  /** The webview's localised strings (the snapshot carries them too; these let it paint before the snapshot). */
  strings: WebviewStrings;
  /** The active theme's syntax colours, if already read (else they follow in a message). */
  tokenColors?: Partial<Record<string, string>>;
  /** When activate() ran and when the view was resolved (epoch ms), for bench/reload.bench.ts. */
  activatedAt: number;
  resolvedAt: number;
}

/** Text that may sit inside `<script>` / `<style>`: a closing tag in it would end the element early. */
function inlineSafe(text: string, tag: "script" | "style"): string {
  return text.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1");
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The bundle and stylesheets, read once per build (a rebuilt file, with another size or time, is read again). */
const cache = new Map<string, { stamp: string; text: string }>();
function read(path: string): string {
  const { size, mtimeMs } = statSync(path);
  const stamp = `${size}:${mtimeMs}`;
  const hit = cache.get(path);
  if (hit?.stamp === stamp) return hit.text;
  const text = readFileSync(path, "utf8");
  cache.set(path, { stamp, text });
  return text;
}

export function chatWebviewHtml(parts: WebviewHtmlParts): string {
  const { nonce, asset } = parts;
  const csp = [
    "default-src 'none'",
    `style-src ${parts.cspSource} 'nonce-${nonce}'`,
    `font-src ${parts.cspSource}`,
    // No remote images: a model-written image URL could carry conversation data out.
    `img-src ${parts.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  const lang = parts.language.replace(/[^A-Za-z0-9-]/g, "");
  const fontUrl = asset("dist", "codicons", "codicon.ttf");
  let codicons: string, chatCss: string, script: string;
  try {
    // The codicon stylesheet names its font relative to itself; inlined, it needs the font's webview URI.
    codicons = read(join(parts.extensionPath, "dist", "codicons", "codicon.css")).replace(
      /url\((["']?)\.\/codicon\.ttf[^"')]*\1\)/g,
      `url("${fontUrl}")`,
    );
    // The chat's stylesheet, then the tool rows', approval cards' and context chips'.
    chatCss = ["chat.css", "tools.css"].map((name) => read(join(parts.extensionPath, "media", name))).join("\n");
    script = read(join(parts.extensionPath, "dist", "webview.js"));
  } catch (error) {
    // Only a broken build gets here (a VSIX ships these files): say which file, instead of a blank view.
    const reason = error instanceof Error ? error.message : String(error);
    return `<!DOCTYPE html><html lang="${lang}"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>Skein's chat view cannot load: ${escapeAttribute(reason)}. Run <code>npm run build</code>.</p></body></html>`;
  }
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">${inlineSafe(codicons, "style")}</style>
<style nonce="${nonce}">${inlineSafe(chatCss, "style")}</style>
<title>Skein</title>
</head>
<body data-activated-at="${parts.activatedAt}" data-resolved-at="${parts.resolvedAt}">
<div id="app" data-highlighter="${escapeAttribute(asset("dist", "highlight.js"))}" data-open-thread="${escapeAttribute(parts.openThreadId)}" data-strings="${escapeAttribute(JSON.stringify(parts.strings))}"${parts.tokenColors ? ` data-token-colors="${escapeAttribute(JSON.stringify(parts.tokenColors))}"` : ""}></div>
<script nonce="${nonce}">${inlineSafe(script, "script")}</script>
</body>
</html>`;
}
