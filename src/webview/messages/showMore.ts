/**
 * Long user messages shown collapsed: their first lines and a "Show more" toggle (the whole text stays in the DOM,
 * for search). A message the user expanded stays expanded when it renders again.
 */
import type { WebviewStrings } from "../../protocol/types";
import type { ScrollKeeper } from "./scrollKeeper";

/** A user message longer than this (characters or lines) is shown collapsed, with "Show more". */
export const COLLAPSE_CHARS = 1_200;
export const COLLAPSE_LINES = 16;

export class ShowMore {
  /** Long user messages the user expanded (kept across re-renders of the same message). */
  private readonly expanded = new Set<string>();

  constructor(
    private readonly container: HTMLElement,
    private readonly keeper: ScrollKeeper,
    private readonly strings: () => WebviewStrings,
  ) {}

  /** Collapses a long message's element behind a "Show more" toggle; a short one stays as it is. */
  apply(el: HTMLElement, id: string, text: string): void {
    if (isLong(text)) this.addToggle(el, id);
  }

  private addToggle(el: HTMLElement, id: string): void {
    const toggle = el.ownerDocument.createElement("button");
    toggle.type = "button";
    toggle.className = "show-more-button";
    const set = (open: boolean) => {
      el.classList.toggle("collapsed", !open);
      toggle.textContent = open ? this.strings().showLess : this.strings().showMore;
      toggle.setAttribute("aria-expanded", String(open));
    };
    set(this.expanded.has(id));
    toggle.addEventListener("click", () => {
      const open = !this.expanded.has(id);
      if (open) this.expanded.add(id);
      else this.expanded.delete(id);
      const top = () => this.container.getBoundingClientRect().top;
      const elTop = el.getBoundingClientRect().top - top();
      const toggleTop = toggle.getBoundingClientRect().top - top();
      set(open);
      // Expanding keeps the message's top in place (the text continues below); collapsing keeps the toggle under
      // the pointer, wherever the top of a long message had scrolled to.
      this.keeper.anchorTo(
        id,
        open ? elTop : toggleTop - (toggle.getBoundingClientRect().top - el.getBoundingClientRect().top),
      );
    });
    el.classList.add("collapsible");
    el.querySelector(".message-body")?.after(toggle);
  }
}

function isLong(text: string): boolean {
  if (text.length > COLLAPSE_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0 && lines <= COLLAPSE_LINES; i = text.indexOf("\n", i + 1)) lines++;
  return lines > COLLAPSE_LINES;
}
