/**
 * The chat webview in headless Chromium for the benches: the bundles built as the extension ships them, and a
 * page holding the chat's stylesheets and a stand-in for `acquireVsCodeApi`, as the webview has them.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_PATH, launchChromium } from "../scripts/vscode/browser.mjs";

/** A webview entry point bundled for the browser, minified (as `npm run build --production` makes it). */
export async function browserBundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0]!.text;
}

/**
 * Chromium with an empty chat page (`<div id="app">`, media/chat.css and tools.css, `acquireVsCodeApi`), its home
 * and XDG folders under `root`; undefined when there is no Chromium. The caller adds the webview script.
 */
export async function openChatPage(
  root: string,
  viewport: { width: number; height: number },
): Promise<{ browser: Browser; page: Page } | undefined> {
  if (!existsSync(CHROMIUM_PATH)) return undefined;
  const dirs = {
    home: join(root, "home"),
    xdgConfig: join(root, "xdg-config"),
    xdgData: join(root, "xdg-data"),
    xdgCache: join(root, "xdg-cache"),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const browser = await launchChromium(dirs as never);
  try {
    const page = await browser.newPage({ viewport });
    const css = ["media/chat.css", "media/tools.css"].map((file) => readFileSync(file, "utf8")).join("\n");
    await page.setContent(
      `<!DOCTYPE html><html><head><style>${css}</style></head><body><div id="app"></div></body></html>`,
    );
    await page.evaluate(() => {
      (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
        postMessage() {},
        getState() {},
        setState() {},
      });
    });
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
