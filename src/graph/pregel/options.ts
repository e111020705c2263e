/**
 * Checks what a caller passes before anything runs: an option, stream mode or node option Skein does not know
 * is an error naming it and what is accepted, never silently ignored (a skipped approval gate is worse than a
 * clear refusal).
 */
import { InvalidGraphError, UnsupportedOptionError } from "../errors";
import type { RunnableConfig, StreamMode } from "../types";

const STREAM_MODES: readonly StreamMode[] = [
  "values",
  "updates",
  "messages",
  "custom",
  "debug",
  "tasks",
  "checkpoints",
];

const RUN_OPTIONS = new Set([
  "configurable",
  "recursionLimit",
  "signal",
  "durability",
  "streamMode",
  "subgraphs",
  "metadata",
  "tags",
  "interruptBefore",
  "interruptAfter",
]);
/** A node's own config, passed on to a graph it runs (its writers belong to the parent run). */
const NODE_CONFIG_KEYS = new Set(["writer", "emitMessageChunk"]);
const DURABILITIES = new Set(["sync", "async", "exit"]);

function unknownKeys(value: object, allowed: ReadonlySet<string>): string[] {
  return Object.keys(value).filter((key) => !allowed.has(key) && (value as Record<string, unknown>)[key] !== undefined);
}

function list(values: Iterable<string>): string {
  return [...values].join(", ");
}

/** A run's config (`invoke`, `stream`, `getState`, …). `nodes` are the graph's node names, for breakpoints. */
export function checkRunConfig(config: RunnableConfig, method: string, nodes: ReadonlySet<string>): void {
  const unknown = unknownKeys(config, RUN_OPTIONS).filter((key) => !NODE_CONFIG_KEYS.has(key));
  if (unknown.length) {
    throw new UnsupportedOptionError(
      `${method}: unknown option ${list(unknown.map((k) => `"${k}"`))}. Skein's runtime accepts ${list(RUN_OPTIONS)}.`,
    );
  }
  if (config.durability !== undefined && !DURABILITIES.has(config.durability)) {
    throw new UnsupportedOptionError(
      `${method}: durability must be "sync", "async" or "exit", got ${JSON.stringify(config.durability)}.`,
    );
  }
  if (config.streamMode !== undefined) {
    for (const mode of Array.isArray(config.streamMode) ? config.streamMode : [config.streamMode]) {
      if (!STREAM_MODES.includes(mode)) {
        throw new UnsupportedOptionError(
          `${method}: unknown stream mode ${JSON.stringify(mode)}. Skein streams ${list(STREAM_MODES)}.`,
        );
      }
    }
  }
  for (const key of ["interruptBefore", "interruptAfter"] as const) {
    const value = config[key];
    if (value === undefined || value === "*") continue;
    if (!Array.isArray(value))
      throw new UnsupportedOptionError(`${method}: ${key} must be a list of node names or "*".`);
    for (const name of value) {
      if (!nodes.has(name))
        throw new InvalidGraphError(`${method}: ${key} names unknown node "${name}". Known nodes: ${list(nodes)}.`);
    }
  }
}

/** The options `addNode` / `compile` accept; anything else throws. */
export function checkOptions(options: object, allowed: readonly string[], where: string): void {
  const unknown = unknownKeys(options, new Set(allowed));
  if (unknown.length) {
    throw new UnsupportedOptionError(
      `${where}: unknown option ${list(unknown.map((k) => `"${k}"`))}. Skein accepts ${list(allowed)}.`,
    );
  }
}
