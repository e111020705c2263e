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
    let changed = false;
    for (const name of values) {
      if (!this.names.includes(name))
        throw new InvalidUpdateError(`Barrier waiting for ${this.names.join(", ")} got a write from "${name}".`);
      if (!this.seen.has(name)) {
        this.seen.add(name);
        changed = true;
      }
    }
    return changed;
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
