import { deepCopy, jsonEqual, setOwn } from "../../json";
import type { Checkpoint, ChannelVersions, CheckpointMetadata } from "../../types";
import { MAX_CHAIN, type CheckpointEntry, type ThreadRecord, type ThreadState } from "../threadState";

type CheckpointRecord = Extract<ThreadRecord, { t: "c" }>;

/**
 * Builds the record for `put`: only what changed since the parent. A channel is unchanged when the parent
 * has it at the same version and `newVersions` does not name it (LangGraph's own rule for blobs). A changed
 * array channel reuses the items it shares with the parent (compared by identity first, then by value, so
 * the runtime's deep copies still match) and with anything handed out earlier; only new elements are stored.
 */
export function encodeCheckpoint(
  state: ThreadState,
  seq: number,
  ns: string,
  checkpoint: Checkpoint,
  metadata: CheckpointMetadata,
  parentId: string | undefined,
  newVersions: ChannelVersions,
): { records: ThreadRecord[]; liveArrays: { channel: string; arr: unknown[]; nums: number[] }[] } {
  const base = parentId === undefined ? undefined : state.spaces.get(ns)?.byId.get(parentId);
  const baseVals = base ? state.vals(base) : undefined;
  const x: CheckpointRecord["x"] = {};
  const liveArrays: { channel: string; arr: unknown[]; nums: number[] }[] = [];
  const firstItem = state.items.length;
  let nextItem = firstItem;
  const newItems: unknown[] = [];
  const whole = base !== undefined && base.depth + 1 >= MAX_CHAIN;
  for (const channel of Object.keys(checkpoint.channel_values)) {
    const value = checkpoint.channel_values[channel];
    const baseSlot = baseVals?.get(channel);
    if (
      baseSlot !== undefined &&
      !Object.prototype.hasOwnProperty.call(newVersions, channel) &&
      base!.cv[channel] === checkpoint.channel_versions[channel]
    ) {
      if (!whole) continue;
      setOwn(x, channel, "v" in baseSlot ? { v: baseSlot.v } : { a: baseSlot.r });
      continue;
    }
    if (Array.isArray(value)) {
      const nums: number[] = new Array(value.length);
      const added = newItems;
      const live = base ? state.live.get(base.id)?.get(channel) : undefined;
      const baseRanges = baseSlot && "r" in baseSlot ? baseSlot.r : undefined;
      const baseLength = baseRanges ? rangesLength(baseRanges) : 0;
      // The common turn: the runtime hands back every element it read (same pointers) plus new ones at the end.
      // Then the item numbers are the handed-out ones and the base never needs expanding (a turn would
      // otherwise allocate a few arrays as long as the history, which is most of a long thread's GC work).
      let start = 0;
      if (
        live !== undefined &&
        live.arr.length === baseLength &&
        live.nums.length === baseLength &&
        baseLength <= value.length
      ) {
        while (start < baseLength && live.arr[start] === value[start]) start++;
        if (start < baseLength) start = 0;
        else for (let k = 0; k < start; k++) nums[k] = live.nums[k]!;
      }
      const baseNums = baseRanges && start === 0 ? expandRanges(baseRanges) : undefined;
      // Walk the base array with a cursor, so an edit, a removal or an insertion in the middle still reuses
      // every element after it (pointer compare with what was handed out, else a value compare).
      const matches = (element: unknown, j: number): boolean =>
        (live !== undefined && j < live.arr.length && live.arr[j] === element) ||
        (baseNums !== undefined && sameItem(state, element, baseNums[j]!));
      let j = start;
      for (let i = start; i < value.length; i++) {
        const element = value[i] as unknown;
        let no = -1;
        if (j < baseLength && matches(element, j)) {
          no = live !== undefined && j < live.arr.length && live.arr[j] === element ? live.nums[j]! : baseNums![j]!;
          j++;
        } else {
          // Elements removed from the base: look a few ahead.
          for (let k = j + 1; k < Math.min(baseLength, j + 9); k++) {
            if (matches(element, k)) {
              no = baseNums![k]!;
              j = k + 1;
              break;
            }
          }
        }
        if (no < 0) {
          no = nextItem++;
          added.push(element);
          // A replacement in place: the base element at the cursor is skipped too.
          if (j < baseLength && i + 1 < value.length && matches(value[i + 1], j + 1)) j++;
        }
        nums[i] = no;
      }
      // Our own snapshot of the pointers: replacing an element of the caller's array later cannot fool us.
      liveArrays.push({ channel, arr: value.slice(), nums });
      setOwn(x, channel, { a: compressRanges(nums) });
    } else {
      setOwn(x, channel, { v: value });
    }
  }
  const itemsRecord: ThreadRecord | undefined =
    newItems.length > 0 ? { s: seq, t: "n", i: firstItem, n: newItems } : undefined;
  const record: CheckpointRecord = {
    s: itemsRecord ? seq + 1 : seq,
    t: "c",
    ns,
    id: checkpoint.id,
    ts: checkpoint.ts,
    m: metadata,
    cv: checkpoint.channel_versions,
    vs: checkpoint.versions_seen,
    x,
  };
  if (parentId !== undefined) record.p = parentId;
  // Every MAX_CHAIN-th record in a chain names all its channels, so resolving one never walks far.
  if (base && base.depth + 1 < MAX_CHAIN) {
    record.b = base.id;
    const gone = [...baseVals!.keys()].filter(
      (channel) => !Object.prototype.hasOwnProperty.call(checkpoint.channel_values, channel),
    );
    if (gone.length > 0) record.d = gone;
  }
  // Unchanged array channels are handed on as they are, so the next put can still compare by pointer.
  for (const channel of Object.keys(checkpoint.channel_values)) {
    const value = checkpoint.channel_values[channel];
    const live = base ? state.live.get(base.id)?.get(channel) : undefined;
    if (
      Array.isArray(value) &&
      !liveArrays.some((l) => l.channel === channel) &&
      live &&
      live.arr.length === value.length
    ) {
      liveArrays.push({ channel, arr: value.slice(), nums: live.nums });
    }
  }
  return { records: itemsRecord ? [itemsRecord, record] : [record], liveArrays };
}

function sameItem(state: ThreadState, element: unknown, no: number): boolean {
  const stored = state.items[no];
  if (element === stored) return true;
  if (element === null || typeof element !== "object") return false;
  return jsonEqual(element, stored);
}

function rangesLength(ranges: number[]): number {
  let length = 0;
  for (let k = 0; k < ranges.length; k += 2) length += ranges[k + 1]! - ranges[k]!;
  return length;
}

export function expandRanges(ranges: number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < ranges.length; k += 2) for (let n = ranges[k]!; n < ranges[k + 1]!; n++) out.push(n);
  return out;
}

export function compressRanges(nums: number[]): number[] {
  const out: number[] = [];
  for (const n of nums) {
    if (out.length > 0 && out[out.length - 1] === n) out[out.length - 1] = n + 1;
    else out.push(n, n + 1);
  }
  return out;
}

/** Fresh deep copies of a checkpoint's values; `remember` lets the next put compare with them by pointer. */
export function materializeValues(
  state: ThreadState,
  entry: CheckpointEntry,
  remember: boolean,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [channel, slot] of state.vals(entry)) {
    if ("v" in slot) {
      setOwn(values, channel, deepCopy(slot.v));
      continue;
    }
    const { r } = slot;
    const { items, flat } = state;
    let count = 0;
    for (let k = 0; k < r.length; k += 2) count += r[k + 1]! - r[k]!;
    const out: unknown[] = new Array(count);
    const nums: number[] = remember ? new Array(count) : [];
    let at = 0;
    for (let k = 0; k < r.length; k += 2) {
      for (let n = r[k]!; n < r[k + 1]!; n++) {
        const item = items[n];
        if (item === undefined) continue; // lost to corruption (reported once when the thread loaded); JSON has no undefined
        // History copies every message of every checkpoint (millions for a long thread): a flat message,
        // the common case, is one spread; nested ones (content blocks, metadata) get the generic deep copy.
        let shape = flat[n];
        if (shape === undefined) flat[n] = shape = isFlatObject(item);
        out[at] = shape ? { ...(item as Record<string, unknown>) } : deepCopy(item);
        if (remember) nums[at] = n;
        at++;
      }
    }
    if (at < count) {
      out.length = at;
      nums.length = remember ? at : 0;
    }
    if (remember) state.remember(entry.id, channel, out.slice(), nums);
    setOwn(values, channel, out);
  }
  return values;
}

/**
 * A plain object whose values are all primitives, so a spread is a full copy. Stored items come from
 * JSON.parse (plain prototype, own data keys; a spread keeps a `__proto__` key as data) and are never mutated.
 */
function isFlatObject(item: unknown): boolean {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return false;
  for (const key in item as Record<string, unknown>) {
    const value = (item as Record<string, unknown>)[key];
    if (value !== null && typeof value === "object") return false;
  }
  return true;
}
