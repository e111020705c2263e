import { describe, expect, it } from "vitest";
import { makeCheckpoint } from "../conformance";
import { cfg, collect, openSaver, tempDir } from "./helpers";

const meta = { source: "loop" as const, step: 0, parents: {} };

/** Reads copy flat messages with one spread and nested ones deeply: both must stay private to each caller. */
describe("FileSaver read copies", () => {
  it("every checkpoint in a history gets its own message objects, flat or nested", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir);
    const flat = { id: "1", role: "user", content: "hi" };
    const nested = { id: "2", role: "assistant", content: [{ type: "text", text: "yo" }], meta: { tokens: 3 } };
    // A `__proto__` key stays data through the copy (flat with a string, nested with an object).
    const odd = JSON.parse('{"id":"3","__proto__":"p","content":"x"}') as Record<string, unknown>;
    const odder = JSON.parse('{"id":"4","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const c1 = await saver.put(cfg("t"), makeCheckpoint({ messages: [flat] }), meta, { messages: 1 });
    const c2 = await saver.put(c1, makeCheckpoint({ messages: [flat, nested] }, { messages: 2 }), meta, {
      messages: 2,
    });
    await saver.put(c2, makeCheckpoint({ messages: [flat, nested, odd, odder] }, { messages: 3 }), meta, {
      messages: 3,
    });
    // A fresh instance reads from disk; the first one from memory: both paths copy.
    for (const reader of [saver, openSaver(dir).saver]) {
      const history = await collect(reader.list(cfg("t")));
      const lists = history.map((tuple) => tuple.checkpoint.channel_values.messages as Record<string, unknown>[]);
      expect(lists.map((l) => l.length)).toEqual([4, 2, 1]);
      expect(lists[0]![0]).not.toBe(lists[1]![0]);
      lists[0]![0]!.content = "mutated";
      (lists[0]![1]!.content as { text: string }[])[0]!.text = "mutated";
      (lists[0]![1]!.meta as { tokens: number }).tokens = 99;
      expect(lists[1]![0]).toEqual(flat);
      expect(lists[1]![1]).toEqual(nested);
      expect(Object.getPrototypeOf(lists[0]![2])).toBe(Object.prototype);
      expect(Object.keys(lists[0]![2]!)).toContain("__proto__");
      expect(Object.getPrototypeOf(lists[0]![3])).toBe(Object.prototype);
      expect(Object.keys(lists[0]![3]!)).toContain("__proto__");
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const again = (await reader.getTuple(cfg("t")))!.checkpoint.channel_values.messages as Record<string, unknown>[];
      expect(again.slice(0, 2)).toEqual([flat, nested]);
    }
  });
});
