/** Send a node its own input in the next step (map-reduce fan-out). Stored as plain JSON. */
export class Send<Args = unknown> {
  readonly lg_name = "Send";
  constructor(
    readonly node: string,
    readonly args: Args,
  ) {}
}

/** A packet in the tasks channel, as stored in a checkpoint (a `Send` after a JSON round trip). */
export interface SendPacket {
  lg_name: "Send";
  node: string;
  args: unknown;
}

export function isSend(value: unknown): value is Send {
  return (
    value instanceof Send || (typeof value === "object" && value !== null && (value as SendPacket).lg_name === "Send")
  );
}

export interface CommandParams<Resume = unknown, Update = Record<string, unknown> | [string, unknown][]> {
  /** The value `interrupt()` returns when the run resumes (or `{ [interruptId]: value }`). */
  resume?: Resume;
  /** A state update (an object, or a list of `[key, value]` pairs), applied as if written by the node that returned the command. */
  update?: Update;
  /** Where to go next: node names, `Send`s, or END. */
  goto?: string | Send | (string | Send)[];
  /** `Command.PARENT`: the update and goto apply to the graph that runs this (sub)graph, as if its node returned them. */
  graph?: string;
}

/** Returned by a node (update + goto), or given as input to resume an interrupted thread. */
export class Command<Resume = unknown, Update = Record<string, unknown> | [string, unknown][]> {
  /** Addresses the closest parent graph (a node of a subgraph returns `new Command({ graph: Command.PARENT, goto })`). */
  static readonly PARENT = "__parent__";
  readonly lg_name = "Command";
  readonly resume?: Resume;
  readonly update?: Update;
  readonly goto: (string | Send)[];
  readonly graph?: string;
  constructor(params: CommandParams<Resume, Update>) {
    if (params.resume !== undefined) this.resume = params.resume;
    if (params.update !== undefined) this.update = params.update;
    if (params.graph !== undefined) this.graph = params.graph;
    this.goto = params.goto === undefined ? [] : Array.isArray(params.goto) ? params.goto : [params.goto];
  }
}

export function isCommand(value: unknown): value is Command {
  return (
    value instanceof Command ||
    (typeof value === "object" && value !== null && (value as Command).lg_name === "Command")
  );
}

const OVERWRITE = "__overwrite__";

/**
 * Written to a reducer key, replaces its value instead of going through the reducer (LangGraph `Overwrite`).
 * Stored as `{ __overwrite__: value }`; two overwrites of one key in the same step are an InvalidUpdateError.
 */
export class Overwrite<Value = unknown> {
  readonly lg_name = "Overwrite";
  readonly [OVERWRITE]: Value;
  constructor(value: Value) {
    this[OVERWRITE] = value;
  }
  get value(): Value {
    return this[OVERWRITE];
  }
  toJSON(): { [OVERWRITE]: Value } {
    return { [OVERWRITE]: this[OVERWRITE] };
  }
}

/** `[true, value]` for an Overwrite (instance, `{ __overwrite__ }` or `{ type: "__overwrite__", value }`), else `[false]`. */
export function overwriteValue(value: unknown): [true, unknown] | [false] {
  if (typeof value === "object" && value !== null) {
    if (OVERWRITE in value) return [true, (value as Record<string, unknown>)[OVERWRITE]];
    const rec = value as { type?: unknown; value?: unknown };
    if (rec.type === OVERWRITE && "value" in rec) return [true, rec.value];
  }
  return [false];
}
