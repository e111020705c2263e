import { SingleValueChannel } from "./base";

/** Folds every write into the value with a reducer (LangGraph `BinaryOperatorAggregate`). */
export class BinaryOperatorAggregate<V = unknown, U = V> extends SingleValueChannel<V, U> {
  readonly kind = "BinaryOperatorAggregate";
  constructor(
    readonly reducer: (current: V, update: U) => V,
    readonly initial?: () => V,
  ) {
    super();
    if (initial) this.value = [initial()];
  }
  fromCheckpoint(saved: V | undefined): BinaryOperatorAggregate<V, U> {
    const channel = new BinaryOperatorAggregate<V, U>(this.reducer, this.initial);
    if (saved !== undefined) channel.value = [saved];
    return channel;
  }
  update(values: U[]): boolean {
    if (values.length === 0) return false;
    let rest = values;
    let current: V;
    if (this.value.length === 0) {
      // No default: the first write is the starting value.
      current = values[0] as unknown as V;
      rest = values.slice(1);
    } else {
      current = this.value[0] as V;
    }
    for (const update of rest) current = this.reducer(current, update);
    this.value = [current];
    return true;
  }
}
