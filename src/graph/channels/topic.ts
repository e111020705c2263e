import { EmptyChannelError } from "../errors";
import { BaseChannel } from "./base";

/** Collects every value written in a step, cleared the step after (LangGraph `Topic`); holds `Send` packets. */
export class Topic<V = unknown> extends BaseChannel<V[], V | V[], V[]> {
  readonly kind = "Topic";
  private values: V[] = [];
  fromCheckpoint(saved: V[] | undefined): Topic<V> {
    const channel = new Topic<V>();
    if (saved !== undefined) channel.values = [...saved];
    return channel;
  }
  update(writes: (V | V[])[]): boolean {
    const had = this.values.length > 0;
    this.values = writes.flatMap((w) => (Array.isArray(w) ? w : [w]));
    return had || this.values.length > 0;
  }
  get(): V[] {
    if (this.values.length === 0) throw new EmptyChannelError();
    return this.values;
  }
  checkpoint(): V[] | undefined {
    return this.values.length ? this.values : undefined;
  }
  override isAvailable(): boolean {
    return this.values.length !== 0;
  }
}
