/**
 * Message bodies, rendered as cheaply as their text allows: a short or plain message at once, a long stored one
 * over several frames (longMessages.ts), a streamed reply at most once a frame and only what it added
 * (markdownStream.ts). A message that comes back completed or unchanged keeps its rendered body.
 */
import type { ChatMessageView } from "../../protocol/types";
import { MAX_MARKDOWN_CHARS, renderInto, type RenderOptions } from "../markdown/markdown";
import { MarkdownStream } from "../markdown/markdownStream";
import { frameTimeUsed, now, onNextFrame } from "../frameWork";
import { LongMessages, PROGRESSIVE_CHARS } from "./longMessages";

/**
 * Main-thread time per frame up to which a streamed reply's finished blocks render (8 at a time); the rest render
 * on the next frames. A batch of streamed text can hold a dozen blocks, and rendering them all plus the frame's
 * own layout and paint made frames of 30–40 ms.
 */
const RENDER_BUDGET_MS = 8;

/** How a message renders: markdown, or plain text (`plain`: tool results, errors). */
export type BodyOptions = RenderOptions & { plain: boolean };

/** A message in the list, as its body needs it: the view, the body element and how to render it. */
export interface BodyTarget {
  view: ChatMessageView;
  body: HTMLElement;
  options: BodyOptions;
}

export class MessageBodies {
  /** Message bodies rendered incrementally (streamed replies, long messages), by message id. */
  private readonly streams = new Map<string, MarkdownStream>();
  /** Long stored messages still being rendered over the next frames. */
  private readonly backlog: LongMessages;
  /** Streamed text not rendered yet, by message id (as it arrived, in pieces). */
  private readonly dirty = new Map<string, string[]>();
  /** The frame job: the same function each time, so a frame renders once however many tokens arrived. */
  private readonly flushJob = () => this.flush(RENDER_BUDGET_MS);

  constructor(
    /** The message's current view and body; undefined when it is not in the DOM. */
    private readonly target: (id: string) => BodyTarget | undefined,
    /** Called after rendering changed what is shown (the list keeps its scroll anchor). */
    private readonly rendered: () => void,
  ) {
    this.backlog = new LongMessages(rendered);
  }

  /** A new body: rendered at once, or (a long stored message) its first slice now and the rest over the next frames. */
  render(body: HTMLElement, view: ChatMessageView, options: BodyOptions): void {
    if (!view.text) return;
    if (options.plain || view.text.length <= PROGRESSIVE_CHARS || view.text.length > MAX_MARKDOWN_CHARS) {
      renderInto(body, view.text, options);
      return;
    }
    this.streams.set(view.id, this.backlog.start(view.id, body, view.text, options));
  }

  /** Streamed `text` was added to a message: it renders on the next frame, before the frame's other work. */
  changed(id: string, text: string): void {
    const pieces = this.dirty.get(id);
    if (pieces) pieces.push(text);
    else this.dirty.set(id, [text]);
    onNextFrame("render", this.flushJob);
  }

  /**
   * Renders pending streamed text now (the frame job does it within `budgetMs` of the frame's time, and goes on
   * in the next frames with what is left).
   */
  flush(budgetMs = Infinity): void {
    if (this.dirty.size === 0) return;
    const since = now();
    const outOfTime = budgetMs === Infinity ? undefined : () => frameTimeUsed(since) >= budgetMs;
    const behind: string[] = [];
    for (const [id, pieces] of this.dirty) {
      const target = this.target(id);
      if (!target) continue;
      const { view, body, options } = target;
      if (options.plain || view.text.length > MAX_MARKDOWN_CHARS) {
        this.forget(id);
        renderInto(body, view.text, options);
        continue;
      }
      // Only the block still being written renders again; finished blocks stay as they are.
      this.backlog.drop(id);
      let stream = this.streams.get(id);
      if (!stream || stream.element !== body) {
        stream = new MarkdownStream(body, options);
        this.streams.set(id, stream);
      }
      // The pieces alone when they continue what the stream rendered (checked by length: a message only grows
      // while it streams); otherwise the whole text (a long message whose first render had not finished).
      const added = pieces.join("");
      const done =
        stream.length > 0 && stream.length + added.length === view.text.length
          ? stream.append(added, false, outOfTime)
          : stream.update(view.text, false, outOfTime);
      if (!done) behind.push(id);
    }
    this.dirty.clear();
    for (const id of behind) this.dirty.set(id, []);
    if (behind.length > 0) onNextFrame("render", this.flushJob);
    this.rendered();
  }

  /**
   * Whether the body rendered for `before` can stay for `view` (the same message sent again): a completed
   * streamed reply renders only its not yet final end, an unchanged message nothing. False: render it anew.
   */
  keep(body: HTMLElement, before: ChatMessageView, view: ChatMessageView, options: BodyOptions): boolean {
    const stream = this.streams.get(view.id);
    if (
      stream?.element === body &&
      !options.plain &&
      view.text.length <= MAX_MARKDOWN_CHARS &&
      stream.continues(view.text) &&
      !this.backlog.has(view.id)
    ) {
      this.dirty.delete(view.id);
      stream.update(view.text, true);
      return true;
    }
    return view.text === before.text && !this.dirty.has(view.id);
  }

  /** Drops what renders a message's body incrementally (its element is going away or renders anew). */
  forget(id: string): void {
    this.streams.delete(id);
    this.backlog.drop(id);
  }

  /** A message left the list: its unrendered streamed text goes too. */
  remove(id: string): void {
    this.dirty.delete(id);
    this.forget(id);
  }

  /** Everything goes (the list is replaced). */
  clear(): void {
    this.dirty.clear();
    this.streams.clear();
    this.backlog.clear();
  }
}
