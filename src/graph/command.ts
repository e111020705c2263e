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
  return value instanceof Send || (typeof value === "object" && value !== null && (value as SendPacket).lg_name === "Send");
}

export interface CommandParams<Resume = unknown, Update = Record<string, unknown>> {
  /** The value `interrupt()` returns when the run resumes (or `{ [interruptId]: value }`). */
  resume?: Resume;
  /** A state update, applied as if written by the node that returned the command. */
  update?: Update;
  /** Where to go next: node names, `Send`s, or END. */
  goto?: string | Send | (string | Send)[];
}

/** Returned by a node (update + goto), or given as input to resume an interrupted thread. */
export class Command<Resume = unknown, Update = Record<string, unknown>> {
  readonly lg_name = "Command";
  readonly resume?: Resume;
  readonly update?: Update;
  readonly goto: (string | Send)[];
  constructor(params: CommandParams<Resume, Update>) {
    if (params.resume !== undefined) this.resume = params.resume;
    if (params.update !== undefined) this.update = params.update;
    this.goto = params.goto === undefined ? [] : Array.isArray(params.goto) ? params.goto : [params.goto];
  }
}

export function isCommand(value: unknown): value is Command {
  return value instanceof Command || (typeof value === "object" && value !== null && (value as Command).lg_name === "Command");
}
