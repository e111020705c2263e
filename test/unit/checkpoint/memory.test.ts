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
    const parentConfig = await saver.put(config, first, { source: "loop", step: 0, parents: {} }, { messages: 1, settings: 1 });
    const read = (await saver.getTuple(config))!;
    const grown = [...(read.checkpoint.channel_values.messages as unknown[]), { id: "new", role: "assistant", content: "z" }];
    const second = makeCheckpoint({ messages: grown, settings: read.checkpoint.channel_values.settings }, { messages: 2, settings: 1 });
    await saver.put(parentConfig, second, { source: "loop", step: 1, parents: {} }, { messages: 2 });
    // Peek at the store: the stored message objects of both checkpoints are the same objects.
    const stored = (saver as unknown as { threads: Map<string, { namespaces: Map<string, { byId: Map<string, { checkpoint: { channel_values: Record<string, unknown[]> } }> }> }> })
      .threads.get("t")!.namespaces.get("")!.byId;
    const a = stored.get(first.id)!.checkpoint.channel_values;
    const b = stored.get(second.id)!.checkpoint.channel_values;
    expect(b.settings).toBe(a.settings);
    for (let i = 0; i < 50; i++) expect(b.messages![i]).toBe(a.messages![i]);
  });
});
