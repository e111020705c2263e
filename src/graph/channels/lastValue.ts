import { InvalidUpdateError } from "../errors";
import { SingleValueChannel } from "./base";

/** Keeps the last value written; two writes in one step are a conflict (LangGraph `LastValue`). */
export class LastValue<V = unknown> extends SingleValueChannel<V> {
  readonly kind = "LastValue";
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
}
