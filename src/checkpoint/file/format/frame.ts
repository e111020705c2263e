import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * Two framings, both inspectable with ordinary tools:
 *
 * - A record line (the `.log` files and the catalog): `{"k":"<crc32 hex>","r":<record JSON>}\n`. The checksum
 *   covers the record's UTF-8 bytes, so a torn or garbage line is detected and a valid line is valid JSON.
 * - A pack frame (the `.pack` files): one gzip member (`zcat thread.pack` prints its record lines) whose
 *   header carries an extra field "Sk" with the member's total length, so frames can be walked and a torn
 *   last frame found without inflating everything before it.
 */

const LINE_PREFIX = '{"k":"';
const LINE_MID = '","r":';
/** `{"k":"` + 8 hex + `","r":` */
const PREFIX_LENGTH = LINE_PREFIX.length + 8 + LINE_MID.length;

export function encodeLine(recordJson: string): string {
  const crc = crc32(recordJson).toString(16).padStart(8, "0");
  return `${LINE_PREFIX}${crc}${LINE_MID}${recordJson}}\n`;
}

export interface ParsedLines {
  /** Records with their JSON text, in file order. */
  records: { json: string; end: number }[];
  /** Byte offset (within the buffer) just after the last complete line. */
  complete: number;
  /** Complete lines that failed their checksum or framing: [start, end) byte ranges. */
  bad: { start: number; end: number }[];
}

const NEWLINE = 0x0a;
const prefixBytes = Buffer.from(LINE_PREFIX);
const midBytes = Buffer.from(LINE_MID);

/** Splits `buf` into record lines; an unterminated last line is left out of `complete`. */
export function parseLines(buf: Buffer): ParsedLines {
  const records: ParsedLines["records"] = [];
  const bad: ParsedLines["bad"] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(NEWLINE, start);
    if (nl < 0) break;
    const json = checkLine(buf, start, nl);
    if (json === undefined) bad.push({ start, end: nl + 1 });
    else records.push({ json, end: nl + 1 });
    start = nl + 1;
  }
  return { records, complete: start, bad };
}

function checkLine(buf: Buffer, start: number, nl: number): string | undefined {
  if (nl - start < PREFIX_LENGTH + 2) return undefined;
  // Byte checks first (no allocation), then one decode that JSON.parse needs anyway; the CRC of the decoded
  // string equals the CRC of the bytes exactly when they were valid UTF-8.
  for (let i = 0; i < prefixBytes.length; i++) if (buf[start + i] !== prefixBytes[i]) return undefined;
  const midAt = start + LINE_PREFIX.length + 8;
  for (let i = 0; i < midBytes.length; i++) if (buf[midAt + i] !== midBytes[i]) return undefined;
  if (buf[nl - 1] !== 0x7d /* } */) return undefined;
  const crc = Number.parseInt(buf.toString("latin1", start + LINE_PREFIX.length, midAt), 16);
  const body = buf.toString("utf8", start + PREFIX_LENGTH, nl - 1);
  if (!Number.isFinite(crc) || crc32(body) !== crc) return undefined;
  return body;
}

const HEADER_LENGTH = 25;
const TRAILER_LENGTH = 8;

/** What a frame holds: message items (needed to open any checkpoint) or every other record. */
export type FrameKind = "items" | "records";

/**
 * One gzip member holding `data` (complete record lines). The "Sk" extra field carries the member's total
 * length, its kind and the highest record sequence number inside, so a reader can walk frames, skip the
 * ones it does not need yet, and know how current a frame is without inflating it.
 */
export function encodeFrame(data: Buffer, kind: FrameKind, lastSeq: number): Buffer {
  const body = deflateRawSync(data, { level: 6 });
  const total = HEADER_LENGTH + body.length + TRAILER_LENGTH;
  const out = Buffer.alloc(total);
  // gzip header: magic, deflate, FEXTRA flag, mtime 0, xfl 0, os 255 (unknown)
  out[0] = 0x1f;
  out[1] = 0x8b;
  out[2] = 0x08;
  out[3] = 0x04;
  out[9] = 0xff;
  out.writeUInt16LE(13, 10); // XLEN
  out[12] = 0x53; // 'S'
  out[13] = 0x6b; // 'k'
  out.writeUInt16LE(9, 14);
  out.writeUInt32LE(total, 16);
  out[20] = kind === "items" ? 1 : 0;
  out.writeUInt32LE(lastSeq >>> 0, 21);
  body.copy(out, HEADER_LENGTH);
  out.writeUInt32LE(crc32(data), total - 8);
  out.writeUInt32LE(data.length >>> 0, total - 4);
  return out;
}

function isFrameHeader(buf: Buffer, at: number): boolean {
  return (
    at + HEADER_LENGTH <= buf.length &&
    buf[at] === 0x1f &&
    buf[at + 1] === 0x8b &&
    buf[at + 2] === 0x08 &&
    buf[at + 3] === 0x04 &&
    buf[at + 12] === 0x53 &&
    buf[at + 13] === 0x6b &&
    buf.readUInt16LE(at + 14) === 9
  );
}

export interface Frame {
  kind: FrameKind;
  lastSeq: number;
  /** Inflated payload, when the caller asked for this frame. */
  data?: Buffer;
  /** The raw frame bytes, for inflating later. */
  raw: Buffer;
}

export interface ParsedFrames {
  frames: Frame[];
  /** Offset just after the last valid frame that is followed by nothing but (possibly) a torn frame. */
  complete: number;
  /** Byte ranges that were skipped as corrupt (not counting a torn tail). */
  bad: { start: number; end: number }[];
  /** True when bytes after `complete` look like an unfinished frame (a torn append). */
  tornTail: boolean;
}

/**
 * Walks the frames of a pack, inflating those `want` selects (the rest are checked when inflated later);
 * a corrupt frame in the middle is skipped by scanning for the next header.
 */
export function parseFrames(buf: Buffer, want: (kind: FrameKind) => boolean = () => true): ParsedFrames {
  const frames: Frame[] = [];
  const bad: ParsedFrames["bad"] = [];
  let at = 0;
  let complete = 0;
  while (at < buf.length) {
    const frame = tryFrame(buf, at, want);
    if (frame) {
      frames.push(frame);
      at += frame.raw.length;
      complete = at;
      continue;
    }
    // Not a valid frame here: find the next one that checks out, else the rest is a torn tail.
    let next = -1;
    for (let probe = buf.indexOf(0x1f, at + 1); probe >= 0; probe = buf.indexOf(0x1f, probe + 1)) {
      if (isFrameHeader(buf, probe) && tryFrame(buf, probe, () => true)) {
        next = probe;
        break;
      }
    }
    if (next < 0) return { frames, complete, bad, tornTail: true };
    bad.push({ start: at, end: next });
    at = next;
  }
  return { frames, complete, bad, tornTail: false };
}

function tryFrame(buf: Buffer, at: number, want: (kind: FrameKind) => boolean): Frame | undefined {
  if (!isFrameHeader(buf, at)) return undefined;
  const total = buf.readUInt32LE(at + 16);
  if (total < HEADER_LENGTH + TRAILER_LENGTH || at + total > buf.length) return undefined;
  const kind: FrameKind = buf[at + 20] === 1 ? "items" : "records";
  const raw = buf.subarray(at, at + total);
  const frame: Frame = { kind, lastSeq: buf.readUInt32LE(at + 21), raw };
  if (!want(kind)) return frame;
  const data = inflateFrame(raw);
  if (!data) return undefined;
  frame.data = data;
  return frame;
}

/** The payload of a frame, or undefined when its bytes do not check out. */
function inflateFrame(raw: Buffer): Buffer | undefined {
  try {
    const data = inflateRawSync(raw.subarray(HEADER_LENGTH, raw.length - TRAILER_LENGTH));
    return crc32(data) === raw.readUInt32LE(raw.length - 8) ? data : undefined;
  } catch {
    return undefined;
  }
}
