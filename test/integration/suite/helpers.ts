/** What the in-editor tests share: Skein's exported API, polling for a condition, the mock's records, disk scans. */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import type { SkeinApi } from "../../../src/extension/main";

export const EXTENSION_ID = "skein.skein";

export async function skein(): Promise<SkeinApi> {
  const ext = vscode.extensions.getExtension<SkeinApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is loaded as the extension under development`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Re-checks `probe` until it returns a truthy value (not a fixed sleep); fails with `what` and the last value. */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      assert.fail(`timed out after ${timeoutMs} ms waiting for: ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface MockRequest {
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
}

function mockUrl(): string {
  const url = process.env.SKEIN_TEST_MOCK_URL;
  assert.ok(url, "SKEIN_TEST_MOCK_URL is set by the runner");
  return url;
}

/** Requests the mock Messages API recorded (its control endpoint), POST /v1/messages only. */
export async function messageRequests(): Promise<MockRequest[]> {
  const res = await fetch(`${mockUrl()}/__mock/requests`);
  const all = (await res.json()) as MockRequest[];
  return all.filter((r) => r.method === "POST" && r.path === "/v1/messages");
}

/** The last request whose last user message contains `text`. */
export async function requestFor(text: string): Promise<MockRequest | undefined> {
  const found = (await messageRequests()).filter((r) => {
    const messages: Array<{ role: string; content: unknown }> = r.body?.messages ?? [];
    const last = [...messages].reverse().find((m) => m.role === "user");
    return last !== undefined && JSON.stringify(last.content).includes(text);
  });
  return found.at(-1);
}

/** The API key a request carried (`x-api-key`, or `Authorization: Bearer` as this SDK version sends it). */
export function sentKey(request: MockRequest): string | undefined {
  return request.headers["x-api-key"] ?? /^Bearer (.+)$/.exec(request.headers["authorization"] ?? "")?.[1];
}

/** Every file under `dir` (recursively) whose name or content contains `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  if (!existsSync(dir)) return hits;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (!st.isFile())
        continue; // sockets, fifos
      else if (name.includes(needle) || (st.size < 50_000_000 && readFileSync(p).includes(needle))) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

export function treeLabel(item: vscode.TreeItem): string {
  return typeof item.label === "string" ? item.label : (item.label?.label ?? "");
}

/** The tree item of a thread, if the Threads tree lists it. */
export async function treeItemOf(api: SkeinApi, threadId: string): Promise<vscode.TreeItem | undefined> {
  // The open thread's row carries "#open" (so the selection can follow the open thread).
  return (await api.treeItems()).find((item) => (item.id ?? "").replace(/#open$/, "").endsWith(`/${threadId}`));
}

/** A text no other test uses, so disk scans and mock lookups find only this test's turn. */
export function unique(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 10)}`;
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration("skein").update(key, value, vscode.ConfigurationTarget.Global);
}
