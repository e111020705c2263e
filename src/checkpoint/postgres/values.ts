import { deepCopy } from "../json";
import type { ChannelVersions, Checkpoint } from "../types";
import { compressRanges, expandRanges } from "../file/format/delta";
import { jsonEqual as deepEqual, setOwn } from "../json";

/**
 * How a checkpoint's channels are stored: a plain value, or, for an array (messages), item ranges
 * (`[start, end)` pairs of the thread's item numbers). Every array element is stored once as an item, so a
 * turn adds its new messages and a range list like `[0, 2002]`, never the whole history again.
 */
export type Slot = { v: unknown } | { r: number[] };
export type Slots = Record<string, Slot>;

interface LiveArray {
  arr: unknown[];
  nums: number[];
}

/**
 * What this process knows of one thread: its items (immutable once written, so always valid for the thread's
 * `gen`), and the slots and handed-out arrays of the few checkpoints a run touches (for pointer compares).
 */
export class ThreadCache {
  readonly items = new Map<number, unknown>();
  private readonly slots = new Map<string, { cv: ChannelVersions; vals: Slots }>();
  private readonly live = new Map<string, Map<string, LiveArray>>();

  constructor(readonly gen: string) {}

  rememberSlots(ns: string, id: string, cv: ChannelVersions, vals: Slots): void {
    bounded(this.slots, `${ns}\u0000${id}`, { cv, vals });
  }

  slotsOf(ns: string, id: string): { cv: ChannelVersions; vals: Slots } | undefined {
    return this.slots.get(`${ns}\u0000${id}`);
  }

  rememberArray(ns: string, id: string, channel: string, arr: unknown[], nums: number[]): void {
    const key = `${ns}\u0000${id}`;
    let byChannel = this.live.get(key);
    if (!byChannel) bounded(this.live, key, (byChannel = new Map()));
    byChannel.set(channel, { arr, nums });
  }

  liveOf(ns: string, id: string, channel: string): LiveArray | undefined {
    return this.live.get(`${ns}\u0000${id}`)?.get(channel);
  }

  /** Item numbers of `vals` this cache lacks. */
  missing(vals: Slots): number[] {
    const out: number[] = [];
    for (const slot of Object.values(vals)) {
      if (!("r" in slot)) continue;
      for (const no of expandRanges(slot.r)) if (!this.items.has(no)) out.push(no);
    }
    return out;
  }
}

/** This process's caches of the threads it used last (32; the least recently used is dropped first). */
export class ThreadCaches {
  private readonly caches = new Map<string, ThreadCache>();

  /** A thread's cache, made fresh when the thread was deleted and made again (`gen` changed). */
  get(threadId: string, gen: string): ThreadCache {
    let cache = this.caches.get(threadId);
    if (cache && cache.gen !== gen) cache = undefined;
    if (cache) this.caches.delete(threadId);
    cache ??= new ThreadCache(gen);
    this.caches.set(threadId, cache);
    if (this.caches.size > 32) this.caches.delete(this.caches.keys().next().value!);
    return cache;
  }

  /** The cache to encode against, without touching the order of use (a transaction may run twice). */
  peek(threadId: string, gen: string): ThreadCache {
    const cache = this.caches.get(threadId);
    return cache && cache.gen === gen ? cache : this.get(threadId, gen);
  }

  delete(threadId: string): void {
    this.caches.delete(threadId);
  }
}

/** A handful of recent checkpoints is all a run touches (head, the one being written, a fork's base). */
function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > 8) map.delete(map.keys().next().value!);
}

export interface Encoded {
  vals: Slots;
  /** New items, numbered later: ranges hold -(k + 1) for the k-th new item until `number` is called. */
  newItems: unknown[];
  arrays: { channel: string; arr: unknown[]; nums: number[] }[];
}

/**
 * Encodes `checkpoint` against its parent: an array reuses every element it shares with the parent (pointer
 * compare with what was handed out, else a value compare with the stored item), so only new elements become
 * items; other channels are stored as they are (small: the runtime's trigger channels and scalars).
 * The parent's items must be in the cache (see `missing`).
 */
export function encodeValues(
  cache: ThreadCache,
  ns: string,
  parentId: string | undefined,
  parent: { cv: ChannelVersions; vals: Slots } | undefined,
  checkpoint: Checkpoint,
): Encoded {
  const vals: Slots = {};
  const newItems: unknown[] = [];
  const arrays: Encoded["arrays"] = [];
  for (const channel of Object.keys(checkpoint.channel_values)) {
    const value = checkpoint.channel_values[channel];
    const baseSlot =
      parent && Object.prototype.hasOwnProperty.call(parent.vals, channel) ? parent.vals[channel] : undefined;
    if (!Array.isArray(value)) {
      setOwn(vals, channel, { v: value });
      continue;
    }
    const live = parentId === undefined ? undefined : cache.liveOf(ns, parentId, channel);
    const baseNums = baseSlot && "r" in baseSlot ? expandRanges(baseSlot.r) : [];
    const matches = (element: unknown, j: number): boolean => {
      if (live !== undefined && j < live.arr.length && live.nums[j] === baseNums[j] && live.arr[j] === element)
        return true;
      const stored = cache.items.get(baseNums[j]!);
      return (
        element === stored ||
        (element !== null && typeof element === "object" && stored !== undefined && deepEqual(element, stored))
      );
    };
    const nums: number[] = new Array(value.length);
    let j = 0;
    for (let i = 0; i < value.length; i++) {
      const element = value[i] as unknown;
      let no: number | undefined;
      if (j < baseNums.length && matches(element, j)) no = baseNums[j++];
      else {
        // Elements removed from the base: look a few ahead.
        for (let k = j + 1; k < Math.min(baseNums.length, j + 9); k++) {
          if (matches(element, k)) {
            no = baseNums[k];
            j = k + 1;
            break;
          }
        }
      }
      if (no === undefined) {
        newItems.push(element);
        no = -newItems.length;
        // A replacement in place: the base element at the cursor is skipped too.
        if (j < baseNums.length && i + 1 < value.length && matches(value[i + 1], j + 1)) j++;
      }
      nums[i] = no;
    }
    arrays.push({ channel, arr: value.slice(), nums });
    setOwn(vals, channel, { r: nums as number[] });
  }
  return { vals, newItems, arrays };
}

/** Gives the new items their numbers (from `first`) and turns item lists into ranges. */
export function numberItems(encoded: Encoded, first: number): void {
  for (const array of encoded.arrays) {
    for (let i = 0; i < array.nums.length; i++) if (array.nums[i]! < 0) array.nums[i] = first - array.nums[i]! - 1;
    setOwn(encoded.vals, array.channel, { r: compressRanges(array.nums) });
  }
}

/** Fresh values of a checkpoint; `remember` lets the next put compare the handed-out arrays by pointer. */
export function decodeValues(
  cache: ThreadCache,
  ns: string,
  id: string,
  vals: Slots,
  remember: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const channel of Object.keys(vals)) {
    const slot = vals[channel]!;
    if ("v" in slot) {
      setOwn(out, channel, deepCopy(slot.v));
      continue;
    }
    const nums = expandRanges(slot.r);
    const arr = nums.map((no) => deepCopy(cache.items.get(no)));
    if (remember) cache.rememberArray(ns, id, channel, arr.slice(), nums);
    setOwn(out, channel, arr);
  }
  return out;
}
