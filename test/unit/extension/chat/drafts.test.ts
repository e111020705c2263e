import { describe, expect, it } from "vitest";
import { Drafts, MAX_DRAFT_CHARS, MAX_DRAFTS, MAX_TOTAL_DRAFT_CHARS } from "../../../../src/extension/chat/drafts";
import { STATE_KEYS } from "../../../../src/extension/chat/stateKeys";
import { Memento } from "../../../fixtures/memento";

const stored = (state: Memento) => (state.data.get(STATE_KEYS.drafts.id) ?? {}) as Record<string, string>;
const totalOf = (drafts: Record<string, string>) => Object.values(drafts).reduce((n, t) => n + t.length, 0);

describe("Drafts", () => {
  it("a webview posting 200 drafts of 1 MB each cannot fill workspaceState: the newest drafts stay whole within the cap", async () => {
    const state = new Memento();
    const drafts = new Drafts(state);
    const big = (i: number) => `${i}:`.padEnd(MAX_DRAFT_CHARS, "x");
    for (let i = 0; i < 200; i++) await drafts.set(`t${i}`, big(i));
    const kept = stored(state);
    expect(totalOf(kept)).toBeLessThanOrEqual(MAX_TOTAL_DRAFT_CHARS);
    const keys = Object.keys(kept);
    expect(keys).toEqual(["t196", "t197", "t198", "t199"]);
    for (const key of keys) expect(kept[key]).toBe(big(Number(key.slice(1))));
    expect(drafts.get("t0")).toBeUndefined();
  });

  it("one draft longer than a message can be keeps its first MAX_DRAFT_CHARS characters", async () => {
    const state = new Memento();
    const drafts = new Drafts(state);
    const text = "a".repeat(MAX_DRAFT_CHARS) + "b".repeat(5_000_000);
    await drafts.set("t", text);
    expect(drafts.get("t")).toBe("a".repeat(MAX_DRAFT_CHARS));
  });

  it("the draft being saved is kept even when older drafts must go; small drafts are untouched by the size cap", async () => {
    const state = new Memento();
    const drafts = new Drafts(state);
    for (let i = 0; i < 50; i++) await drafts.set(`small${i}`, `draft ${i}`);
    await drafts.set("big", "y".repeat(MAX_DRAFT_CHARS));
    expect(Object.keys(stored(state))).toHaveLength(51);
    // Editing an old draft makes it the newest; the count cap still drops the least recently edited.
    await drafts.set("small0", "edited");
    for (let i = 0; i < MAX_DRAFTS; i++) await drafts.set(`more${i}`, "z");
    const keys = Object.keys(stored(state));
    expect(keys).toHaveLength(MAX_DRAFTS);
    expect(keys).not.toContain("small1");
    expect(keys.at(-1)).toBe(`more${MAX_DRAFTS - 1}`);
  });

  it("a state written before the caps existed is brought within them on the next save", async () => {
    const state = new Memento();
    const old: Record<string, string> = {};
    for (let i = 0; i < 10; i++) old[`old${i}`] = "o".repeat(MAX_DRAFT_CHARS);
    await state.update(STATE_KEYS.drafts.id, old);
    await new Drafts(state).set("new", "hello");
    const kept = stored(state);
    expect(totalOf(kept)).toBeLessThanOrEqual(MAX_TOTAL_DRAFT_CHARS);
    expect(kept.new).toBe("hello");
    expect(Object.keys(kept)).toEqual(["old7", "old8", "old9", "new"]);
  });
});
