import { InvalidUpdateError } from "../errors";
import { SingleValueChannel } from "./base";

/**
 * Holds a value for exactly one step, then clears (LangGraph `EphemeralValue`). Used for the input channel
 * and for the `branch:to:<node>` triggers, where several writers may fire in the same step (`guard` off).
 */
export class EphemeralValue<V = unknown> extends SingleValueChannel<V> {
  readonly kind = "EphemeralValue";
  constructor(readonly guard = true) {
    super();
  }
  fromCheckpoint(saved: V | undefined): EphemeralValue<V> {
    const channel = new EphemeralValue<V>(this.guard);
    if (saved !== undefined) channel.value = [saved];
    return channel;
  }
  update(values: V[]): boolean {
    if (values.length === 0) {
      const had = this.value.length > 0;
      this.value = [];
      return had;
    }
    if (values.length > 1 && this.guard)
      throw new InvalidUpdateError("EphemeralValue can receive only one value per step.");
    this.value = [values[values.length - 1] as V];
    return true;
  }
}
