import { EmptyChannelError } from "../errors";

/**
 * One channel kind a file (LangGraph `channels/base.ts`). A channel holds one value between steps, folds a
 * step's writes in `update`, and round-trips through a checkpoint without copying (the saver copies).
 */
export abstract class BaseChannel<Value = unknown, Update = unknown, Saved = unknown> {
  abstract readonly kind: string;
  /** A fresh channel of the same kind, restored from a checkpoint value (`undefined` = empty). */
  abstract fromCheckpoint(saved: Saved | undefined): BaseChannel<Value, Update, Saved>;
  /** Applies all of one step's writes at once. Returns whether the channel changed (so its version bumps). */
  abstract update(values: Update[]): boolean;
  /** The current value; throws `EmptyChannelError` when empty. */
  abstract get(): Value;
  /** The value to store, or `undefined` when empty. */
  abstract checkpoint(): Saved | undefined;
  isAvailable(): boolean {
    return this.checkpoint() !== undefined;
  }
  /** Called when a task triggered by this channel ran; barrier-like channels reset here. */
  consume(): boolean {
    return false;
  }
  /** Called when a step triggers no further node; channels that wait for the end of the run release here. */
  finish(): boolean {
    return false;
  }
}

/**
 * A channel holding at most one value, stored as `[value] | []` so "wrote undefined" differs from "never
 * written" (LastValue, EphemeralValue, BinaryOperatorAggregate differ only in how `update` folds writes).
 */
export abstract class SingleValueChannel<Value, Update = Value> extends BaseChannel<Value, Update, Value> {
  protected value: [Value] | [] = [];
  get(): Value {
    if (this.value.length === 0) throw new EmptyChannelError();
    return this.value[0] as Value;
  }
  checkpoint(): Value | undefined {
    return this.value.length ? this.value[0] : undefined;
  }
  override isAvailable(): boolean {
    return this.value.length !== 0;
  }
}
