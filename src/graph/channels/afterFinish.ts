import { EmptyChannelError } from "../errors";
import { recordWriters } from "./namedBarrier";
import { BaseChannel } from "./base";

/**
 * The trigger of a `defer: true` node (LangGraph `LastValueAfterFinish`): a write is held, and becomes visible
 * only once the run has nothing else to do (`finish()`), so the node runs once, after everything else.
 */
export class LastValueAfterFinish<V = unknown> extends BaseChannel<V, V, [V, boolean]> {
  readonly kind = "LastValueAfterFinish";
  private value: [V] | [] = [];
  private finished = false;
  fromCheckpoint(saved: [V, boolean] | undefined): LastValueAfterFinish<V> {
    const channel = new LastValueAfterFinish<V>();
    if (saved !== undefined) {
      channel.value = [saved[0]];
      channel.finished = saved[1];
    }
    return channel;
  }
  update(values: V[]): boolean {
    if (values.length === 0) return false;
    this.finished = false;
    this.value = [values[values.length - 1] as V];
    return true;
  }
  get(): V {
    if (!this.isAvailable()) throw new EmptyChannelError();
    return this.value[0] as V;
  }
  checkpoint(): [V, boolean] | undefined {
    return this.value.length ? [this.value[0] as V, this.finished] : undefined;
  }
  override isAvailable(): boolean {
    return this.value.length !== 0 && this.finished;
  }
  override consume(): boolean {
    if (!this.finished) return false;
    this.finished = false;
    this.value = [];
    return true;
  }
  override finish(): boolean {
    if (this.finished || this.value.length === 0) return false;
    this.finished = true;
    return true;
  }
}

/** `addEdge([a, b], deferred)`: fires once every named writer has written and the run has nothing else to do. */
export class NamedBarrierValueAfterFinish extends BaseChannel<null, string, [string[], boolean]> {
  readonly kind = "NamedBarrierValueAfterFinish";
  private seen = new Set<string>();
  private finished = false;
  constructor(readonly names: readonly string[]) {
    super();
  }
  fromCheckpoint(saved: [string[], boolean] | undefined): NamedBarrierValueAfterFinish {
    const channel = new NamedBarrierValueAfterFinish(this.names);
    if (saved !== undefined) {
      channel.seen = new Set(saved[0]);
      channel.finished = saved[1];
    }
    return channel;
  }
  update(values: string[]): boolean {
    return recordWriters(this.seen, this.names, values);
  }
  private complete(): boolean {
    return this.names.every((name) => this.seen.has(name));
  }
  get(): null {
    if (!this.isAvailable()) throw new EmptyChannelError();
    return null;
  }
  checkpoint(): [string[], boolean] | undefined {
    return this.seen.size ? [[...this.seen], this.finished] : undefined;
  }
  override isAvailable(): boolean {
    return this.finished && this.complete();
  }
  override consume(): boolean {
    if (!this.isAvailable()) return false;
    this.seen = new Set();
    this.finished = false;
    return true;
  }
  override finish(): boolean {
    if (this.finished || !this.complete()) return false;
    this.finished = true;
    return true;
  }
}
