import { overwriteValue } from "../command";
import { InvalidUpdateError } from "../errors";
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
      const [isOverwrite, replaced] = overwriteValue(values[0]);
      current = (isOverwrite ? replaced : values[0]) as V;
      rest = values.slice(1);
    } else {
      current = this.value[0] as V;
    }
    // An Overwrite replaces the value; writes after it in the same step are dropped (as in LangGraph).
    let overwritten = false;
    for (const update of rest) {
      const [isOverwrite, replaced] = overwriteValue(update);
      if (isOverwrite) {
        if (overwritten) throw new InvalidUpdateError("Can receive only one Overwrite value per step.");
        current = replaced as V;
        overwritten = true;
      } else if (!overwritten) current = this.reducer(current, update);
    }
    this.value = [current];
    return true;
  }
}
