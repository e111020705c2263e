import { EmptyChannelError, InvalidUpdateError } from "../errors";
import { BaseChannel } from "./base";

/** Keeps the last value written; two writes in one step are a conflict (LangGraph `LastValue`). */
export class LastValue<V = unknown> extends BaseChannel<V, V, V> {
  readonly kind = "LastValue";
  // `[value] | []` so "wrote undefined" differs from "never written".
  private value: [V] | [] = [];
  constructor(readonly key = "") {
    super();
  }
  fromCheckpoint(saved: V | undefined): LastValue<V> {
    const channel = new LastValue<V>(this.key);
    if (saved !== undefined) channel.value = [saved];
    return channel;
  }
  update(values: V[]): boolean {
    if (values.length === 0) return false;
    if (values.length > 1) {
      throw new InvalidUpdateError(
        `Channel "${this.key}" received ${values.length} values in one step but can take only one. ` +
          `Give it a reducer, e.g. Annotation<T>({ reducer: (a, b) => …, default: () => … }).`,
      );
    }
    this.value = [values[0] as V];
    return true;
  }
  get(): V {
    if (this.value.length === 0) throw new EmptyChannelError();
    return this.value[0] as V;
  }
  checkpoint(): V | undefined {
    return this.value.length ? this.value[0] : undefined;
  }
  override isAvailable(): boolean {
    return this.value.length !== 0;
  }
}
