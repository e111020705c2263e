/** Loads engineEntry lazily: from dist/engine.js in the build, from source under vitest/tsx. */
import { join } from "node:path";

export type EngineModule = typeof import("./engineEntry");

/** Set by scripts/build.mjs (`define`) to the engine bundle's file name; undefined when running from source. */
declare const SKEIN_ENGINE_FILE: string | undefined;

let engine: Promise<EngineModule> | undefined;

export function loadEngine(): Promise<EngineModule> {
  engine ??=
    typeof SKEIN_ENGINE_FILE === "string"
      ? // A computed path: the bundler leaves this require alone, so the engine stays out of dist/extension.js.
        // Required on a timer, not in a microtask: parsing it takes a few hundred ms on a busy machine, and what
        // the extension host has queued for the workbench meanwhile (it flushes on a timer too) — the chat view's
        // HTML right after a reload — goes out first instead of waiting for it.
        new Promise<void>((resolve) => setTimeout(resolve, 0)).then(
          () => require(join(__dirname, SKEIN_ENGINE_FILE as string)) as EngineModule,
        )
      : import("./engineEntry");
  return engine;
}
