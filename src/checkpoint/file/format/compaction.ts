import { encodeFrame } from "./frame";
import type { ThreadRecord } from "../threadState";

type ItemRecord = Extract<ThreadRecord, { t: "n" }>;
/** [path inside the record, item number, 1 = the item itself / 0 = the item without its `id`]. */
type ItemRef = [(string | number)[], number, 0 | 1];

const ITEM_RECORD = /^\{"s":\d+,"t":"n"/;
const seqOf = (json: string) => Number(/^\{"s":(\d+)/.exec(json)?.[1] ?? 0);

/**
 * Turns a batch of log records into pack frames: one of item records (all a fresh window must inflate to
 * open a thread, with the head cache) and one of everything else. Pending writes and input checkpoints
 * carry the very messages that become items (the reducer adds an `id`); in the records frame each such
 * object is replaced by a reference (`xi`), so keeping the frames apart does not store the text twice.
 * Inside a frame the gzip CRC covers every line, so lines are bare record JSON (`zcat` prints JSON lines).
 */
export function framesFor(records: string[]): Buffer[] {
  const items = records.filter((json) => ITEM_RECORD.test(json));
  const others = records.filter((json) => !ITEM_RECORD.test(json));
  const known: Known = { byJson: new Map(), shapes: new Set() };
  for (const json of items) {
    const record = JSON.parse(json) as ItemRecord;
    record.n.forEach((item, k) => {
      if (item === null || typeof item !== "object" || Array.isArray(item)) return;
      const { id, ...rest } = item as Record<string, unknown>;
      if (id !== undefined) {
        known.byJson.set(JSON.stringify(rest), [record.i + k, 0]);
        known.shapes.add(shapeOf(rest));
      }
      known.byJson.set(JSON.stringify(item), [record.i + k, 1]);
      known.shapes.add(shapeOf(item as Record<string, unknown>));
    });
  }
  const frames: Buffer[] = [];
  if (items.length > 0) frames.push(frame(items, "items"));
  if (others.length > 0)
    frames.push(frame(known.byJson.size > 0 ? others.map((json) => shareItems(json, known)) : others, "records"));
  return frames;
}

function frame(lines: string[], kind: "items" | "records"): Buffer {
  return encodeFrame(Buffer.from(lines.join("\n") + "\n"), kind, seqOf(lines[lines.length - 1]!));
}

interface Known {
  byJson: Map<string, [number, 0 | 1]>;
  /** Key count and first key of every known item: an object of another shape is not stringified to look it up. */
  shapes: Set<string>;
}

function shapeOf(value: Record<string, unknown>): string {
  let count = 0;
  let first = "";
  for (const key in value) if (count++ === 0) first = key;
  return `${count}\u0000${first}`;
}

function shareItems(json: string, known: Known): string {
  const record = JSON.parse(json) as ThreadRecord & { xi?: ItemRef[] };
  const refs: ItemRef[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (value === null || typeof value !== "object") return value;
    // Stringifying every nested object to look it up cost O(size × depth) per record (most of a compaction).
    if (!Array.isArray(value) && path.length > 1 && known.shapes.has(shapeOf(value as Record<string, unknown>))) {
      const hit = known.byJson.get(JSON.stringify(value));
      if (hit) {
        refs.push([path, hit[0], hit[1]]);
        return null;
      }
    }
    if (Array.isArray(value)) value.forEach((v, i) => (value[i] = walk(v, [...path, i])));
    else
      for (const key of Object.keys(value))
        (value as Record<string, unknown>)[key] = walk((value as Record<string, unknown>)[key], [...path, key]);
    return value;
  };
  for (const key of ["x", "w"] as const) {
    if (key in record)
      (record as unknown as Record<string, unknown>)[key] = walk((record as unknown as Record<string, unknown>)[key], [
        key,
      ]);
  }
  if (refs.length === 0) return json;
  record.xi = refs;
  return JSON.stringify(record);
}

/** Puts shared items back into a record read from a pack (a batch's items are applied before its records). */
export function restoreItems(record: ThreadRecord & { xi?: ItemRef[] }, items: unknown[]): void {
  for (const [path, no, whole] of record.xi ?? []) {
    const item = items[no];
    if (item === null || typeof item !== "object") continue; // lost to corruption: stays null
    let value: unknown = item;
    if (!whole) {
      const { id: _id, ...rest } = item as Record<string, unknown>;
      value = rest;
    }
    let parent = record as unknown as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    if (parent && typeof parent === "object") parent[path[path.length - 1]!] = value;
  }
  delete record.xi;
}
