/**
 * Keeps the message list where the user looks while its content changes under them. The position is an anchor,
 * not a pixel offset: either "pinned" (following the newest content) or a message id plus the distance of that
 * message's top from the top of the view. Every change of layout — a streamed token, a reply re-rendered when it
 * completes, a font arriving, an off-screen message laid out for the first time (`content-visibility`), a
 * message collapsed or expanded, the composer growing — is answered by putting the anchor back where it was,
 * before the frame is painted (ResizeObserver runs after layout, before paint).
 *
 * Only the user's own scrolling moves the anchor: scrolls this class makes are recognised and ignored.
 */
import type { ScrollAnchor } from "../../protocol/types";

/** Within this distance from the bottom, a downward scroll by the user pins the view to the newest content. */
export const PIN_PX = 24;

export type ViewAnchor = { pinned: true } | { pinned: false; messageId: string; offset: number; index?: number };

export class ScrollKeeper {
  private anchor: ViewAnchor = { pinned: true };
  /** The scrollTop this class last set; the scroll event it causes is not the user's. */
  private expectedTop: number | undefined;
  private lastTop = 0;
  /** Extra room below the last message, so a held message can stay put when the content below it shrinks. */
  private tailSpace = 0;
  private readonly resizes: ResizeObserver | undefined;

  constructor(
    private readonly container: HTMLElement,
    /** The anchor changed because the user scrolled (the owner saves it). */
    private readonly onUserScroll: () => void = () => {},
  ) {
    const win = container.ownerDocument.defaultView;
    container.style.overflowAnchor = "none"; // the browser's own anchoring would fight this one
    container.addEventListener("scroll", () => this.onScroll(), { passive: true });
    if (win && "ResizeObserver" in win) {
      this.resizes = new win.ResizeObserver(() => this.apply());
      this.resizes.observe(container);
      const watch = (node: Node) => {
        if (node.nodeType === 1) this.resizes!.observe(node as Element);
      };
      container.childNodes.forEach(watch);
      new win.MutationObserver((records) => {
        for (const record of records) {
          record.addedNodes.forEach(watch);
          record.removedNodes.forEach((node) => node.nodeType === 1 && this.resizes!.unobserve(node as Element));
        }
        this.apply();
      }).observe(container, { childList: true });
    }
  }

  get pinned(): boolean {
    return this.anchor.pinned;
  }

  /** What to save so a reload lands on the same message at the same offset. */
  saved(): { scrollFromBottom: number; anchor?: ScrollAnchor } {
    if (this.anchor.pinned) return { scrollFromBottom: 0 };
    return {
      scrollFromBottom: Math.max(1, this.distanceFromBottom()),
      anchor: { messageId: this.anchor.messageId, offset: Math.round(this.anchor.offset) },
    };
  }

  /** Follow the newest content (a message was sent, another thread opened, the user was at the bottom). */
  pin(): void {
    this.anchor = { pinned: true };
    this.setTailSpace(0);
    this.apply();
  }

  /** Keep this message's top `offset` px below the top of the view. */
  anchorTo(messageId: string, offset: number): void {
    this.anchor = { pinned: false, messageId, offset };
    this.apply();
  }

  /**
   * Keep the message element where it is now on screen, even when it is about to be replaced by another
   * version (the replacement, found at the same position in the list, takes its place).
   */
  hold(el: HTMLElement): void {
    const index = this.messageElements().indexOf(el);
    this.anchor = {
      pinned: false,
      messageId: el.dataset.messageId ?? "",
      offset: this.offsetOf(el),
      index: index >= 0 ? index : undefined,
    };
  }

  /** Puts the anchor back in place (after the content or the view changed size). */
  apply(): void {
    const c = this.container;
    if (this.anchor.pinned) return this.setTop(c.scrollHeight - c.clientHeight);
    const el = this.find(this.anchor);
    if (!el) return;
    const delta = this.offsetOf(el) - this.anchor.offset;
    if (Math.abs(delta) < 0.5) return;
    const wanted = c.scrollTop + delta;
    const max = c.scrollHeight - c.clientHeight;
    // A held message keeps its place even when what follows it got shorter: room is added below the list.
    if (this.anchor.index !== undefined && wanted > max) this.setTailSpace(this.tailSpace + (wanted - max));
    this.setTop(wanted);
  }

  distanceFromBottom(): number {
    const c = this.container;
    return Math.max(0, c.scrollHeight - c.scrollTop - c.clientHeight - this.tailSpace);
  }

  private onScroll(): void {
    const c = this.container;
    const top = c.scrollTop;
    const movedUp = top < this.lastTop;
    this.lastTop = top;
    if (this.expectedTop !== undefined && Math.abs(top - this.expectedTop) < 1) {
      this.expectedTop = undefined;
      return;
    }
    this.expectedTop = undefined;
    const fromBottom = c.scrollHeight - top - c.clientHeight;
    // Scrolling up leaves the bottom at once (a smooth scroll's first frames are still within PIN_PX).
    if (fromBottom <= 1 || (!movedUp && fromBottom <= PIN_PX)) this.anchor = { pinned: true };
    else this.anchor = this.capture();
    this.onUserScroll();
  }

  /** The first message whose bottom is below the top of the view, and where its top is. */
  private capture(): ViewAnchor {
    const list = this.messageElements();
    const top = this.container.getBoundingClientRect().top;
    let lo = 0;
    let hi = list.length - 1;
    let found: HTMLElement | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.getBoundingClientRect().bottom > top) {
        found = list[mid];
        hi = mid - 1;
      } else lo = mid + 1;
    }
    if (!found) return { pinned: true };
    return { pinned: false, messageId: found.dataset.messageId ?? "", offset: this.offsetOf(found) };
  }

  private find(anchor: Extract<ViewAnchor, { pinned: false }>): HTMLElement | undefined {
    for (const el of Array.from(this.container.children) as HTMLElement[])
      if (el.dataset?.messageId === anchor.messageId) return el;
    if (anchor.index === undefined) return undefined;
    const list = this.messageElements();
    const replacement = list[Math.min(anchor.index, list.length - 1)];
    // From now on the replacement is the anchor (its id is what a reload will look for).
    if (replacement?.dataset.messageId) this.anchor = { ...anchor, messageId: replacement.dataset.messageId };
    return replacement;
  }

  private messageElements(): HTMLElement[] {
    return Array.from(this.container.children).filter(
      (el): el is HTMLElement => (el as HTMLElement).dataset?.messageId !== undefined,
    );
  }

  private offsetOf(el: HTMLElement): number {
    return el.getBoundingClientRect().top - this.container.getBoundingClientRect().top;
  }

  private setTop(top: number): void {
    const c = this.container;
    const before = c.scrollTop;
    c.scrollTop = Math.max(0, top);
    // Unchanged: no scroll event will come to consume the expectation.
    this.expectedTop = c.scrollTop !== before ? c.scrollTop : undefined;
    this.lastTop = c.scrollTop;
  }

  private setTailSpace(px: number): void {
    this.tailSpace = Math.max(0, Math.ceil(px));
    if (this.tailSpace) this.container.style.setProperty("--skein-tail-space", `${this.tailSpace}px`);
    else this.container.style.removeProperty("--skein-tail-space");
  }
}
