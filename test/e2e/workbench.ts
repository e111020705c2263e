/**
 * Driving the real VS Code web workbench as a person does: the command palette, the Skein activity-bar
 * container, the Threads tree and the chat webview (nested iframes served by the workbench). Every step ends in
 * a PNG screenshot; a failing step names itself and the screenshot taken at the failure.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Frame, Locator, Page } from "playwright-core";

export const STEP_TIMEOUT_MS = 60_000;

export class Workbench {
  private count = 0;
  readonly shots: string[] = [];

  constructor(
    readonly page: Page,
    readonly shotsDir: string,
  ) {
    mkdirSync(shotsDir, { recursive: true });
  }

  /** A numbered screenshot of the whole window, kept as a test artifact. */
  async shot(name: string): Promise<string> {
    const file = join(
      this.shotsDir,
      `${String(++this.count).padStart(2, "0")}-${name.replace(/[^a-z0-9-]+/gi, "-")}.png`,
    );
    await this.page.screenshot({ path: file });
    this.shots.push(file);
    return file;
  }

  /** Runs one step; its failure message names the step and the screenshot of the moment it failed. */
  async step<T>(name: string, action: () => Promise<T>): Promise<T> {
    try {
      const result = await action();
      await this.shot(name);
      return result;
    } catch (error) {
      const file = await this.shot(`FAILED-${name}`).catch(() => "(no screenshot)");
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`step "${name}" failed: ${message}\n  screenshot: ${file}`);
    }
  }

  /** The workbench is up and Skein's activity-bar icon is there (its views and commands are contributed). */
  async waitReady(): Promise<void> {
    await this.page.locator(".monaco-workbench").waitFor({ timeout: STEP_TIMEOUT_MS });
    await this.page.locator('.activitybar a.action-label[aria-label^="Skein"]').waitFor({ timeout: STEP_TIMEOUT_MS });
  }

  /**
   * Runs a command from the palette by its label ("Skein: New Thread"). On a fresh profile the palette can open
   * before the extension's commands are registered: close it and try again until the row appears.
   */
  async runCommand(label: string, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const input = this.page.locator(".quick-input-widget .quick-input-box input");
    for (;;) {
      await this.page.keyboard.press("Escape");
      await this.page.keyboard.press("F1");
      await input.waitFor({ state: "visible", timeout: 10_000 });
      await input.fill(`>${label}`);
      const row = this.page
        .locator(".quick-input-widget .quick-input-list .monaco-list-row")
        .filter({ hasText: label })
        .first();
      try {
        await row.waitFor({ state: "visible", timeout: 3_000 });
        await row.click();
        await input.waitFor({ state: "hidden", timeout: 10_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`command "${label}" not found in the palette within ${timeoutMs} ms`);
      }
    }
  }

  /**
   * The command palette's rows for `query` (their text, top to bottom), read once `present` — a command that must
   * be listed — shows: by then the palette has filtered its list. The palette is closed again.
   */
  async paletteRows(query: string, present: string): Promise<string[]> {
    const input = this.page.locator(".quick-input-widget .quick-input-box input");
    const rows = this.page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    await this.page.keyboard.press("Escape");
    await this.page.keyboard.press("F1");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await input.fill(`>${query}`);
    await rows.filter({ hasText: present }).first().waitFor({ state: "visible", timeout: 30_000 });
    const texts = await rows.allTextContents();
    await this.page.keyboard.press("Escape");
    await input.waitFor({ state: "hidden", timeout: 10_000 });
    return texts;
  }

  /** The Threads tree's selected row (the one VS Code highlights). */
  selectedThreadRow(): Locator {
    return this.threadRows().and(this.page.locator("[aria-selected='true']"));
  }

  /** The chat webview's content frame (the inner iframe that holds #composer). */
  async chat(timeoutMs = STEP_TIMEOUT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame.isDetached()) continue;
        const found = await frame.$("#composer").catch(() => null);
        if (found) return frame;
      }
      if (Date.now() > deadline) throw new Error(`the Skein chat webview did not appear within ${timeoutMs} ms`);
      await this.page.waitForTimeout(100); // polling for the frame, not a wait for time to pass
    }
  }

  /** The Threads tree's rows (title + relative time + message count in the aria-label). */
  threadRows(): Locator {
    const pane = this.page.locator(".pane", { has: this.page.locator(".pane-header", { hasText: "Threads" }) });
    return pane.locator(".monaco-list-row");
  }

  threadRow(text: string | RegExp): Locator {
    return this.threadRows().filter({ hasText: text }).first();
  }
}

/** Types into the chat composer as a person does (key by key) and optionally sends with Enter. */
export async function typeInComposer(chat: Frame, text: string, send: boolean): Promise<void> {
  const composer = chat.locator("#composer");
  await composer.click();
  await composer.pressSequentially(text);
  if (send) await composer.press("Enter");
}

export function assistantMessages(chat: Frame): Locator {
  return chat.locator('#messages [data-role="assistant"]');
}

export function userMessages(chat: Frame): Locator {
  return chat.locator('#messages [data-role="user"]');
}
