import { describe, expect, it } from "vitest";
import {
  BinaryOperatorAggregate,
  EphemeralValue,
  LastValue,
  NamedBarrierValue,
  Topic,
} from "../../../src/graph/channels";
import { EmptyChannelError, InvalidUpdateError } from "../../../src/graph/errors";

describe("channels", () => {
  it("LastValue: empty vs written undefined, one write per step, round trip", () => {
    const channel = new LastValue<number | undefined>("k");
    expect(channel.isAvailable()).toBe(false);
    expect(() => channel.get()).toThrow(EmptyChannelError);
    expect(channel.update([])).toBe(false);
    expect(channel.update([1])).toBe(true);
    expect(channel.get()).toBe(1);
    expect(() => channel.update([2, 3])).toThrow(InvalidUpdateError);
    expect(channel.fromCheckpoint(channel.checkpoint()).get()).toBe(1);
    expect(channel.fromCheckpoint(undefined).isAvailable()).toBe(false);
  });

  it("BinaryOperatorAggregate: folds all writes; default; no default starts from the first write", () => {
    const withDefault = new BinaryOperatorAggregate<number[], number>(
      (a, b) => [...a, b],
      () => [],
    );
    expect(withDefault.get()).toEqual([]);
    withDefault.update([1, 2]);
    expect(withDefault.get()).toEqual([1, 2]);
    const sum = new BinaryOperatorAggregate<number>((a, b) => a + b);
    expect(sum.isAvailable()).toBe(false);
    sum.update([5, 1, 1]);
    expect(sum.get()).toBe(7);
    expect(sum.fromCheckpoint(7).get()).toBe(7);
  });

  it("EphemeralValue: cleared by an empty step update; unguarded takes several writes", () => {
    const channel = new EphemeralValue<null>(false);
    expect(channel.update([null, null])).toBe(true);
    expect(channel.get()).toBeNull();
    expect(channel.update([])).toBe(true);
    expect(channel.isAvailable()).toBe(false);
    expect(channel.update([])).toBe(false);
    expect(() => new EphemeralValue<number>().update([1, 2])).toThrow(InvalidUpdateError);
  });

  it("Topic: collects a step's writes, cleared the next step", () => {
    const topic = new Topic<string>();
    topic.update(["a", ["b", "c"]]);
    expect(topic.get()).toEqual(["a", "b", "c"]);
    expect(topic.update([])).toBe(true);
    expect(topic.isAvailable()).toBe(false);
  });

  it("NamedBarrierValue: available once every name wrote; consume resets", () => {
    const barrier = new NamedBarrierValue(["a", "b"]);
    barrier.update(["a"]);
    expect(barrier.isAvailable()).toBe(false);
    const restored = barrier.fromCheckpoint(barrier.checkpoint());
    restored.update(["b"]);
    expect(restored.isAvailable()).toBe(true);
    expect(restored.consume()).toBe(true);
    expect(restored.isAvailable()).toBe(false);
    expect(() => restored.update(["z"])).toThrow(InvalidUpdateError);
  });
});
