/**
 * Long stored messages rendered over several frames: a thread opened on a reply of 150 KB paints its first slice
 * at once and the rest within a time budget per frame, through the same incremental renderer as a streamed reply
 * (markdownStream.ts), so the panel never freezes and the result is the same as rendering it at once.
 */
import type { RenderOptions } from "../markdown/markdown";
import { MarkdownStream } from "../markdown/markdownStream";
import { frameTimeUsed, now, onNextFrame } from "../frameWork";

/** A stored message longer than this renders over several frames, SLICE_CHARS at a time. */
export const PROGRESSIVE_CHARS = 16_000;
const SLICE_CHARS = 4_000;
/** Main-thread time per frame, the streamed reply's included, up to which long stored messages render more. */
const FRAME_BUDGET_MS = 12;

interface Entry {
  stream: MarkdownStream;
  text: string;
  at: number;
}

export class LongMessages {
  private readonly pending = new Map<string, Entry>();
  private readonly frameJob = () => this.run();

  constructor(
    /** Called after a frame rendered more (the list keeps its scroll anchor). */
    private readonly onProgress: () => void,
  ) {}

  /** Renders `text` into `body`: its first slice now, the rest on the next frames. */
  start(id: string, body: HTMLElement, text: string, options: RenderOptions): MarkdownStream {
    const stream = new MarkdownStream(body, options);
    const entry = { stream, text, at: 0 };
    this.pending.set(id, entry);
    this.step(entry);
    if (entry.at === text.length) this.pending.delete(id);
    this.schedule();
    return stream;
  }

  /** True while a message's text is not wholly rendered yet. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Stops rendering a message (its element is going away, or its body renders anew). */
  drop(id: string): void {
    this.pending.delete(id);
  }

  clear(): void {
    this.pending.clear();
  }

  private step(entry: Entry): void {
    entry.at = Math.min(entry.text.length, entry.at + SLICE_CHARS);
    entry.stream.update(entry.text.slice(0, entry.at), entry.at === entry.text.length);
  }

  private schedule(): void {
    if (this.pending.size > 0) onNextFrame("backlog", this.frameJob);
  }

  /** One frame's share: at least one slice, then more while the frame has time left. */
  private run(): void {
    const since = now();
    let stepped = false;
    for (const [id, entry] of this.pending) {
      while (entry.at < entry.text.length && (!stepped || frameTimeUsed(since) < FRAME_BUDGET_MS)) {
        this.step(entry);
        stepped = true;
      }
      if (entry.at === entry.text.length) this.pending.delete(id);
      if (frameTimeUsed(since) >= FRAME_BUDGET_MS) break;
    }
    this.onProgress();
    this.schedule();
  }
}
