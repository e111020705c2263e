import { describe, expect, it } from "vitest";
import { MemorySaver } from "../../../src/checkpoint";
import { makeCheckpoint, runSaverConformance } from "./conformance";

runSaverConformance("MemorySaver", async () => ({ saver: new MemorySaver() }));

describe("MemorySaver storage", () => {
  it("shares unchanged channels and already-stored messages with the parent instead of copying them", async () => {
    const saver = new MemorySaver();
    const config = { configurable: { thread_id: "t" } };
    const history = Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, role: "user", content: "x".repeat(100) }));
    const first = makeCheckpoint({ messages: history, settings: { big: "y".repeat(100) } });
    const parentConfig = await saver.put(
      config,
      first,
      { source: "loop", step: 0, parents: {} },
      { messages: 1, settings: 1 },
    );
    const read = (await saver.getTuple(config))!;
    const grown = [
      ...(read.checkpoint.channel_values.messages as unknown[]),
      { id: "new", role: "assistant", content: "z" },
    ];
    const second = makeCheckpoint(
      { messages: grown, settings: read.checkpoint.channel_values.settings },
      { messages: 2, settings: 1 },
    );
    await saver.put(parentConfig, second, { source: "loop", step: 1, parents: {} }, { messages: 2 });
    // Peek at the store: the stored message objects of both checkpoints are the same objects.
    const stored = (
      saver as unknown as {
        threads: Map<
          string,
          {
            namespaces: Map<
              string,
              { byId: Map<string, { checkpoint: { channel_values: Record<string, unknown[]> } }> }
            >;
          }
        >;
      }
    ).threads
      .get("t")!
      .namespaces.get("")!.byId;
    const a = stored.get(first.id)!.checkpoint.channel_values;
    const b = stored.get(second.id)!.checkpoint.channel_values;
    expect(b.settings).toBe(a.settings);
    for (let i = 0; i < 50; i++) expect(b.messages![i]).toBe(a.messages![i]);
  });
});

describe("MemorySaver structure sharing stays exact", () => {
  it("random edits, reads and re-puts: every checkpoint reads back exactly as it was put", async () => {
    const saver = new MemorySaver();
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const expected = new Map<string, string>();
    let live: { id: string; content: string }[] = [];
    let parent: string | undefined;
    for (let step = 0; step < 300; step++) {
      const action = random(6);
      if (action === 0) live = [...live, { id: `m${step}`, content: `new ${step}` }];
      else if (action === 1 && live.length)
        live = live.map((m, i) => (i === random(live.length) ? { ...m, content: `edit ${step}` } : m));
      else if (action === 2 && live.length) live = live.filter((_, i) => i !== random(live.length));
      else if (action === 3) {
        // Read back (as a run does) and continue from the handed-out copy.
        const read = await saver.getTuple({ configurable: { thread_id: "t" } });
        if (read) live = read.checkpoint.channel_values.messages as typeof live;
      } else if (action === 4 && live.length) {
        // Replace an element of the array in place: the next put must not reuse the old stored element.
        live[random(live.length)] = { id: `r${step}`, content: `replaced ${step}` };
      } else
        live = [...live, { id: `b${step}`, content: `batch ${step}` }, { id: `c${step}`, content: `batch ${step}` }];
      const checkpoint = makeCheckpoint({ messages: live }, { messages: step + 1 });
      const config = await saver.put(
        { configurable: { thread_id: "t", ...(parent ? { checkpoint_id: parent } : {}) } },
        checkpoint,
        { source: "loop", step, parents: {} },
        { messages: step + 1 },
      );
      parent = config.configurable!.checkpoint_id;
      expected.set(checkpoint.id, JSON.stringify(live));
    }
    for (const [id, json] of expected) {
      const tuple = await saver.getTuple({ configurable: { thread_id: "t", checkpoint_id: id } });
      expect(JSON.stringify(tuple!.checkpoint.channel_values.messages)).toBe(json);
    }
  });
});
