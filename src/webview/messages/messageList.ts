/**
 * The message list, rendered incrementally: a thread of 1,000 turns paints its newest PAGE messages first and
 * renders older pages as the user scrolls up (keeping the view anchored), so opening it costs the same as a
 * short thread. Bodies render as cheaply as their text allows (messageBodies.ts: a streamed reply only what each
 * frame added, a long stored one over several frames), and a message that comes back from the host unchanged or
 * completed keeps its element: the end of a long reply renders nothing again. Every message element carries
 * `data-role` and `data-message-id` for tests and styling.
 */
import type { ChatMessageView, WebviewStrings } from "../../protocol/types";
import type { MessageActions } from "./branchControls";
import type { RenderOptions } from "../markdown/markdown";
import { MessageBodies, type BodyOptions } from "./messageBodies";
import { dressMessage } from "./messageElement";
import { ScrollKeeper } from "./scrollKeeper";
import { ShowMore } from "./showMore";
import { messageAttachments } from "../composer/contextChips";
import {
  appendToolOutput,
  findRow,
  placePendingRows,
  toolResultElement,
  ToolIndex,
  updatePendingRows,
} from "../workspace/toolRows";

/** Messages put into the DOM when a thread opens: enough to fill a tall panel, few enough to paint at once. */
export const FIRST_PAGE = 20;
/** Messages rendered per step while scrolling up. */
export const PAGE = 50;
/** Within this distance from the top, the next older page is rendered. */
const LOAD_OLDER_PX = 300;

export class MessageList {
  private messages: ChatMessageView[] = [];
  private readonly elements = new Map<string, HTMLElement>();
  /** Index in `messages` of the oldest rendered message. */
  private renderedFrom = 0;
  private strings!: WebviewStrings;
  /** How each message's body renders: at once, over several frames, or streamed. */
  private readonly bodies: MessageBodies;
  /** Insert at Cursor / Open in New Editor on code blocks (set by the app). */
  codeActions: Pick<RenderOptions, "insert" | "open"> = {};
  /** Long user messages collapsed behind "Show more". */
  private readonly showMore: ShowMore;
  readonly olderHint: HTMLElement;
  /** Where the user looks: pinned to the newest message, or a message and its offset. */
  readonly keeper: ScrollKeeper;
  /** Tool calls and their results, for the compact rows. */
  private readonly tools = new ToolIndex();

  constructor(
    readonly container: HTMLElement,
    private readonly copy: (text: string) => void,
    private readonly onScrolled: () => void = () => {},
    /** Edit / Regenerate / Fork / "‹ 2/3 ›" on messages (branchControls.ts). */
    private readonly actions?: MessageActions,
  ) {
    const doc = container.ownerDocument;
    this.olderHint = doc.createElement("div");
    this.olderHint.className = "older-hint";
    this.olderHint.hidden = true;
    this.keeper = new ScrollKeeper(container, () => this.onScrolled());
    this.bodies = new MessageBodies(
      (id) => {
        const view = this.messages.find((m) => m.id === id);
        const body = this.elements.get(id)?.querySelector<HTMLElement>(".message-body");
        return view && body ? { view, body, options: this.renderOptions(view) } : undefined;
      },
      () => this.keeper.apply(),
    );
    this.showMore = new ShowMore(container, this.keeper, () => this.strings);
    container.addEventListener("scroll", () => {
      if (container.scrollTop < LOAD_OLDER_PX) this.renderOlder();
    });
  }

  get count(): number {
    return this.messages.length;
  }

  get renderedCount(): number {
    return this.messages.length - this.renderedFrom;
  }

  has(id: string): boolean {
    return this.messages.some((m) => m.id === id);
  }

  /** Replaces everything (a snapshot). Only the newest page is put into the DOM. */
  reset(messages: ChatMessageView[], strings: WebviewStrings): void {
    this.strings = strings;
    this.messages = messages.slice();
    this.tools.rebuild(this.messages);
    this.elements.clear();
    this.bodies.clear();
    this.renderedFrom = Math.max(0, this.messages.length - FIRST_PAGE);
    const fragment = this.container.ownerDocument.createDocumentFragment();
    for (let i = this.renderedFrom; i < this.messages.length; i++)
      fragment.append(this.createElement(this.messages[i]!));
    this.olderHint.textContent = strings.loadingOlder;
    this.olderHint.hidden = this.renderedFrom === 0;
    this.container.replaceChildren(this.olderHint, fragment);
  }

  /** Renders the next older page above the current top, keeping what the user looks at in place. */
  renderOlder(): boolean {
    if (this.renderedFrom === 0) return false;
    const from = Math.max(0, this.renderedFrom - PAGE);
    const fragment = this.container.ownerDocument.createDocumentFragment();
    for (let i = from; i < this.renderedFrom; i++) fragment.append(this.createElement(this.messages[i]!));
    this.olderHint.after(fragment);
    this.renderedFrom = from;
    this.olderHint.hidden = from === 0;
    this.keeper.apply();
    return true;
  }

  /** Inserts new messages at the end or replaces existing ones in place (by id). */
  upsert(views: ChatMessageView[]): void {
    for (const view of views) {
      this.tools.add(view);
      this.resolvePendingRow(view);
      const index = this.messages.findIndex((m) => m.id === view.id);
      if (index >= 0) {
        const before = this.messages[index]!;
        this.messages[index] = view;
        const old = this.elements.get(view.id);
        if (old && !this.updateInPlace(old, before, view)) {
          this.bodies.forget(view.id);
          old.replaceWith(this.createElement(view));
        }
      } else {
        this.messages.push(view);
        this.appendElement(this.createElement(view));
      }
    }
    this.keeper.apply();
  }

  /** The messages the list holds (rendered or not), in order. */
  views(): readonly ChatMessageView[] {
    return this.messages;
  }

  /**
   * Keeps the messages up to `afterId` (null: none) and puts `views` after them — the host's change after a run
   * or branch operation. Everything after the anchor goes (streamed partials, optimistic pending messages).
   * False when the anchor is unknown (the caller asks the host for a snapshot).
   */
  replaceTail(afterId: string | null, views: ChatMessageView[]): boolean {
    const at = afterId === null ? -1 : this.messages.findIndex((m) => m.id === afterId);
    if (afterId !== null && at < 0) return false;
    const gone = this.messages.splice(at + 1);
    this.tools.rebuild([...this.messages, ...views]);
    // The messages that come back first, in the same order (a streamed reply now stored), keep their elements.
    let kept = 0;
    while (kept < gone.length && kept < views.length && views.length <= FIRST_PAGE) {
      const el = this.elements.get(gone[kept]!.id);
      if (!el || gone[kept]!.id !== views[kept]!.id || !this.updateInPlace(el, gone[kept]!, views[kept]!)) break;
      this.messages.push(views[kept]!);
      kept++;
    }
    for (const old of gone.slice(kept)) {
      this.elements.get(old.id)?.remove();
      this.elements.delete(old.id);
      this.bodies.remove(old.id);
    }
    views = views.slice(kept);
    for (const view of views) this.resolvePendingRow(view);
    if (views.length > FIRST_PAGE && at + 1 < this.messages.length + views.length - FIRST_PAGE) {
      // A long new continuation (a switch far back): paint it like a snapshot, newest page first.
      this.reset([...this.messages, ...views], this.strings);
    } else {
      this.renderedFrom = Math.min(this.renderedFrom, at + 1);
      const fragment = this.container.ownerDocument.createDocumentFragment();
      for (const view of views) {
        this.messages.push(view);
        fragment.append(this.createElement(view));
      }
      if (fragment.childNodes.length > 0) this.container.append(fragment);
      this.olderHint.hidden = this.renderedFrom === 0;
    }
    this.keeper.apply();
    return true;
  }

  /** Appends streamed text to an assistant message; the re-render happens at most once per frame. */
  appendText(messageId: string, text: string): void {
    let view = this.messages.find((m) => m.id === messageId);
    if (!view) {
      view = { id: messageId, role: "assistant", text: "" };
      this.messages.push(view);
      const el = this.createElement(view);
      el.classList.add("streaming");
      this.appendElement(el);
    }
    view.text += text;
    this.bodies.changed(messageId, text);
  }

  /** Removes optimistic messages (sent but not yet confirmed by the host). */
  removePending(): void {
    this.messages = this.messages.filter((m) => {
      if (!m.id.startsWith("pending-")) return true;
      this.elements.get(m.id)?.remove();
      this.elements.delete(m.id);
      this.bodies.forget(m.id);
      return false;
    });
  }

  setStreaming(messageId: string | undefined): void {
    for (const el of this.elements.values()) {
      const streaming = el.dataset.messageId === messageId;
      el.classList.toggle("streaming", streaming);
      // Screen readers announce the reply once it is complete, not every repaint of a growing one.
      if (streaming) el.setAttribute("aria-busy", "true");
      else el.removeAttribute("aria-busy");
    }
  }

  /** Renders pending token updates now (also called by the frame callback). */
  flush(): void {
    this.bodies.flush();
  }

  /** Renders down to the message (if it is in an older page), centres it in the view and keeps it there. */
  reveal(messageId: string): boolean {
    const el = this.renderDownTo(messageId);
    if (!el) return false;
    el.classList.add("revealed");
    const height = el.getBoundingClientRect().height;
    this.keeper.anchorTo(messageId, Math.max(0, (this.container.clientHeight - height) / 2));
    return true;
  }

  /** Puts the view back on a saved message and offset; false when the thread no longer holds that message. */
  restoreAnchor(messageId: string, offset: number): boolean {
    if (!this.renderDownTo(messageId)) return false;
    this.keeper.anchorTo(messageId, offset);
    return true;
  }

  /** Keeps a message where it is on screen while it is replaced by another version of itself. */
  holdInPlace(messageId: string): void {
    const el = this.elements.get(messageId);
    if (el) this.keeper.hold(el);
  }

  atBottom(): boolean {
    return this.keeper.pinned;
  }

  /** Shows the newest message and follows what arrives after it. */
  scrollToBottom(): void {
    this.keeper.pin();
  }

  distanceFromBottom(): number {
    return this.keeper.distanceFromBottom();
  }

  /** The element of a message, rendering older pages until it is in the DOM. */
  private renderDownTo(messageId: string): HTMLElement | undefined {
    const index = this.messages.findIndex((m) => m.id === messageId);
    if (index < 0) return undefined;
    while (this.renderedFrom > index && this.renderOlder()) {
      /* render pages until the message is in the DOM */
    }
    return this.elements.get(messageId);
  }

  private appendElement(el: HTMLElement): void {
    this.container.append(el);
  }

  private renderOptions(view: ChatMessageView): BodyOptions {
    return {
      strings: this.strings,
      copy: this.copy,
      ...this.codeActions,
      plain: view.role === "tool" || view.role === "error",
    };
  }

  /** Calls waiting for an approval card: their pending rows say so. */
  setWaitingCalls(ids: ReadonlySet<string>): void {
    this.tools.waiting = ids;
    updatePendingRows(this.container, ids, this.strings.tools);
  }

  /** Output of a running call, streamed into its pending row. */
  appendToolOutput(toolCallId: string, text: string): void {
    const row = findRow(this.container, toolCallId, true);
    if (row) appendToolOutput(row, text);
    this.keeper.apply();
  }

  /** A call's result arrived: its pending row on the assistant message gives way to the result's own row. */
  private resolvePendingRow(view: ChatMessageView): void {
    if (view.role === "tool" && view.toolCallId) findRow(this.container, view.toolCallId, true)?.remove();
  }

  private createElement(view: ChatMessageView): HTMLElement {
    const doc = this.container.ownerDocument;
    if (view.role === "tool") {
      // A tool result: one compact row, collapsed, named by its call.
      const row = toolResultElement(doc, view, this.tools.call(view.toolCallId), this.strings.tools);
      this.elements.set(view.id, row);
      return row;
    }
    const el = doc.createElement("article");
    const body = doc.createElement("div");
    body.className = "message-body";
    this.bodies.render(body, view, this.renderOptions(view));
    el.append(body);
    this.dress(el, view, body);
    this.elements.set(view.id, el);
    return el;
  }

  /**
   * A message the host sends again (stored after streaming, or unchanged in a tail the host replaces) keeps its
   * element and its rendered body: a completed reply renders only its not yet final end, an unchanged one
   * nothing. The body stays where it is in the DOM (moving a long body costs as much as rendering it again);
   * only what surrounds it is rebuilt. False when the body has to be rendered anew.
   */
  private updateInPlace(el: HTMLElement, before: ChatMessageView, view: ChatMessageView): boolean {
    const body = el.querySelector<HTMLElement>(":scope > .message-body");
    if (!body || before.role !== view.role || view.role === "user") return false;
    if (!this.bodies.keep(body, before, view, this.renderOptions(view))) return false;
    this.dress(el, view, body);
    return true;
  }

  /** Everything around a message's body: its attributes, header, tool calls, notes and actions. */
  private dress(el: HTMLElement, view: ChatMessageView, body: HTMLElement): void {
    dressMessage(el, view, body, this.strings, this.actions);
    // Tool calls are compact rows: one still waiting for its result here, a finished one as its result's own row.
    const strings = this.strings.tools;
    placePendingRows(el, view, this.tools, strings);
    if (view.attachments?.length) body.after(messageAttachments(el.ownerDocument, view.attachments, strings));
    if (view.role === "user") this.showMore.apply(el, view.id, view.text);
  }
}
