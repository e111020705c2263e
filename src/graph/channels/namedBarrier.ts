import { EmptyChannelError, InvalidUpdateError } from "../errors";
import { BaseChannel } from "./base";

/** Fires once every named writer has written (LangGraph `NamedBarrierValue`): `addEdge([a, b], c)`. */
export class NamedBarrierValue extends BaseChannel<null, string, string[]> {
  readonly kind = "NamedBarrierValue";
  private seen = new Set<string>();
  constructor(readonly names: readonly string[]) {
    super();
  }
  fromCheckpoint(saved: string[] | undefined): NamedBarrierValue {
    const channel = new NamedBarrierValue(this.names);
    if (saved !== undefined) channel.seen = new Set(saved);
    return channel;
  }
  update(values: string[]): boolean {
    return recordWriters(this.seen, this.names, values);
  }
  get(): null {
    if (!this.isAvailable()) throw new EmptyChannelError();
    return null;
  }
  checkpoint(): string[] | undefined {
    return this.seen.size ? [...this.seen] : undefined;
  }
  override isAvailable(): boolean {
    return this.names.every((name) => this.seen.has(name));
  }
  override consume(): boolean {
    if (!this.isAvailable()) return false;
    this.seen = new Set();
    return true;
  }
}

/**
 * Adds the writers of `values` to `seen`; true when one was new. A write from a node the barrier does not wait
 * for is a wiring error.
 */
export function recordWriters(seen: Set<string>, names: readonly string[], values: readonly string[]): boolean {
  let changed = false;
  for (const name of values) {
    if (!names.includes(name))
      throw new InvalidUpdateError(`Barrier waiting for ${names.join(", ")} got a write from "${name}".`);
    if (!seen.has(name)) {
      seen.add(name);
      changed = true;
    }
  }
  return changed;
}
