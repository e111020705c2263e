import type { Stats } from "node:fs";
import { gunzipSync } from "node:zlib";
import { readRange } from "./fsutil";
import { parseFrames, parseLines } from "../format/frame";
import { applyHeadCache, readHeadCache } from "./headCache";
import { ThreadState, type ThreadRecord } from "../threadState";

/**
 * First load of a thread through its head cache: inflate only the pack's item frames, parse only item records,
 * and check that the cache is as new as the newest record. Undefined when that does not hold (or anything is
 * damaged): the caller then loads every record, which finds and reports the damage.
 */
export function fastOpen(
  threadId: string,
  headPath: string,
  logPath: string,
  packPath: string,
  log: Stats,
  pack: Stats | undefined,
  onDamaged: () => void,
): { state: ThreadState; logRecords: string[]; packEnd: number } | undefined {
  const cache = readHeadCache(headPath, threadId);
  if (cache === "damaged") onDamaged();
  if (typeof cache === "string") return undefined;
  const state = new ThreadState();
  let maxSeq = -1;
  let packEnd = 0;
  if (pack) {
    // Walk the frame headers only, then inflate every item frame in one call: they are gzip members, and
    // one multi-member gunzip costs a third of inflating 200 small frames one by one.
    const parsed = parseFrames(readRange(packPath, 0, pack.size), () => false);
    if (parsed.bad.length > 0 || parsed.tornTail) return undefined;
    const itemFrames: Buffer[] = [];
    for (const frame of parsed.frames) {
      maxSeq = Math.max(maxSeq, frame.lastSeq);
      if (frame.kind === "items") itemFrames.push(frame.raw);
    }
    if (itemFrames.length > 0) {
      let text: string;
      try {
        text = gunzipSync(Buffer.concat(itemFrames)).toString("utf8");
      } catch {
        return undefined;
      }
      // Item frames hold nothing but item records, so one parse reads them all.
      for (const record of JSON.parse(`[${text.slice(0, -1).replaceAll("\n", ",")}]`) as ThreadRecord[]) {
        if (record.t === "n") for (let k = 0; k < record.n.length; k++) state.items[record.i + k] = record.n[k];
      }
    }
    packEnd = parsed.complete;
  }
  const logBytes = readRange(logPath, 0, log.size);
  const lines = parseLines(logBytes);
  if (lines.bad.length > 0 || lines.complete !== logBytes.length) return undefined;
  const logRecords: string[] = [];
  for (const { json } of lines.records) {
    const record = JSON.parse(json) as ThreadRecord;
    maxSeq = Math.max(maxSeq, record.s);
    logRecords.push(json);
    if (record.t === "n") for (let k = 0; k < record.n.length; k++) state.items[record.i + k] = record.n[k];
  }
  if (maxSeq !== cache.seq || state.items.length !== cache.items) return undefined;
  applyHeadCache(state, cache);
  return { state, logRecords, packEnd };
}
