/**
 * activate only wires (rust-analyzer main.ts → ctx.ts): one `Skein` per window (skein.ts) owns every
 * registration and is disposed with the extension.
 */
import type * as vscode from "vscode";
import { Skein, type SkeinApi } from "./skein";

export { THREADS_VIEW_ID, type SkeinApi } from "./skein";

export function activate(context: vscode.ExtensionContext): SkeinApi {
  const skein = new Skein(context);
  context.subscriptions.push(skein);
  return skein.api;
}

export function deactivate(): void {}
