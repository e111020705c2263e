// @vitest-environment jsdom
/**
 * The scroll anchor on a small layout model (jsdom has no layout): messages stacked by height in a 300 px view.
 * The real webview's measurements are in the browser scenario (test/e2e/landing.e2e.ts).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ScrollKeeper } from "../../../../src/webview/messages/scrollKeeper";

const VIEW = 300;

/** A container whose children have the heights in `heights` (by message id), laid out top to bottom. */
function layout(ids: string[], height: (id: string) => number) {
  document.body.innerHTML = '<div id="list"></div>';
  const list = document.getElementById("list")!;
  let top = 0;
  const tail = () => Number.parseFloat(list.style.getPropertyValue("--skein-tail-space") || "0");
  const content = () =>
    Array.from(list.children).reduce((sum, el) => sum + height((el as HTMLElement).dataset.messageId!), 0) + tail();
  Object.defineProperty(list, "clientHeight", { get: () => VIEW });
  Object.defineProperty(list, "scrollHeight", { get: () => Math.max(VIEW, content()) });
  Object.defineProperty(list, "scrollTop", {
    get: () => (top = Math.min(top, Math.max(VIEW, content()) - VIEW)), // a browser clamps when content shrinks
    set: (value: number) => {
      top = Math.max(0, Math.min(value, Math.max(VIEW, content()) - VIEW));
    },
  });
  list.getBoundingClientRect = () => ({ top: 0, bottom: VIEW, height: VIEW }) as DOMRect;
  const add = (id: string) => {
    const el = document.createElement("article");
    el.dataset.messageId = id;
    el.getBoundingClientRect = () => {
      let y = -list.scrollTop;
      for (const other of Array.from(list.children) as HTMLElement[]) {
        if (other === el) break;
        y += height(other.dataset.messageId!);
      }
      return { top: y, bottom: y + height(id), height: height(id) } as DOMRect;
    };
    list.append(el);
    return el;
  };
  for (const id of ids) add(id);
  const userScroll = (to: number) => {
    list.scrollTop = to;
    list.dispatchEvent(new Event("scroll"));
  };
  const offset = (id: string) =>
    list.querySelector<HTMLElement>(`[data-message-id="${id}"]`)!.getBoundingClientRect().top;
  const gap = () => list.scrollHeight - list.scrollTop - list.clientHeight;
  return { list, add, userScroll, offset, gap, tail };
}

describe("ScrollKeeper", () => {
  let heights: Record<string, number>;
  beforeEach(() => {
    heights = { m1: 200, m2: 200, m3: 200, m4: 200 };
  });

  it("pinned, it follows content that grows after it was shown (a reply re-rendered, code coloured)", () => {
    const { list, gap } = layout(["m1", "m2", "m3", "m4"], (id) => heights[id]!);
    const keeper = new ScrollKeeper(list);
    keeper.pin();
    expect(gap()).toBe(0);
    heights.m4 = 900;
    keeper.apply();
    expect(gap()).toBe(0);
    expect(keeper.saved()).toEqual({ scrollFromBottom: 0 });
  });

  it("scrolled up by the user, it keeps the message and offset while content above and below changes", () => {
    const { list, userScroll, offset } = layout(["m1", "m2", "m3", "m4"], (id) => heights[id]!);
    const saves: unknown[] = [];
    const keeper = new ScrollKeeper(list, () => saves.push(keeper.saved()));
    keeper.pin();
    userScroll(250); // m2's top is 50 px above the view
    expect(keeper.pinned).toBe(false);
    expect(saves.at(-1)).toEqual({ scrollFromBottom: 250, anchor: { messageId: "m2", offset: -50 } });
    heights.m1 = 700; // laid out for real above the view
    heights.m4 = 50; // shrank below
    keeper.apply();
    expect(offset("m2")).toBe(-50);
  });

  it("ignores the scroll events it causes itself, and a small scroll up leaves the bottom at once", () => {
    const { list, userScroll } = layout(["m1", "m2", "m3", "m4"], (id) => heights[id]!);
    const keeper = new ScrollKeeper(list);
    keeper.pin();
    heights.m4 = 400;
    keeper.apply();
    list.dispatchEvent(new Event("scroll")); // the event of the keeper's own scroll
    expect(keeper.pinned).toBe(true);
    userScroll(list.scrollTop - 10); // within 24 px of the bottom, but upwards
    expect(keeper.pinned).toBe(false);
    userScroll(list.scrollTop + 8); // back down near the bottom: follow again
    expect(keeper.pinned).toBe(true);
  });

  it("restores a saved message and offset, whatever the pixels above it now measure", () => {
    const { list, offset } = layout(["m1", "m2", "m3", "m4"], (id) => heights[id]!);
    const keeper = new ScrollKeeper(list);
    heights.m1 = 350;
    keeper.anchorTo("m3", 20);
    expect(offset("m3")).toBe(20);
  });

  it("holds a message in place while it is replaced by a shorter version, adding room below when needed", () => {
    const { list, add, offset, tail } = layout(["m1", "m2", "m3", "m4"], (id) => heights[id]!);
    const keeper = new ScrollKeeper(list);
    keeper.pin(); // at the bottom: m4 starts 100 px below the top of the view
    const m4 = list.querySelector<HTMLElement>('[data-message-id="m4"]')!;
    expect(offset("m4")).toBe(100);
    keeper.hold(m4);
    m4.remove();
    heights.v4 = 60;
    add("v4");
    keeper.apply();
    expect(offset("v4")).toBe(100);
    expect(tail()).toBeGreaterThan(0);
    expect(keeper.saved().anchor?.messageId).toBe("v4");
    keeper.pin(); // the next message sent: the room goes
    expect(tail()).toBe(0);
  });
});
