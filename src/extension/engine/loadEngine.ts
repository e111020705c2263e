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
        Promise.resolve().then(() => require(join(__dirname, SKEIN_ENGINE_FILE as string)) as EngineModule)
      : import("./engineEntry");
  return engine;
}
