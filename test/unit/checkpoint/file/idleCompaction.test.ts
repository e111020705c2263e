import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { threadFileStem } from "../../../../src/checkpoint/file";
import { makeCheckpoint } from "../conformance";
import { cfg, openSaver, tempDir } from "./helpers";
import { simulateTurn } from "./workload";

const packOf = (dir: string) => join(dir, "threads", `${threadFileStem("t")}.pack`);
const logOf = (dir: string) => join(dir, "threads", `${threadFileStem("t")}.log`);
const meta = { source: "loop" as const, step: 0, parents: {} };
const idle = () => new Promise((resolve) => setImmediate(resolve));

/** Compaction waits for the event loop to turn, so it never delays the write that crossed the threshold. */
describe("FileSaver compaction timing", () => {
  it("runs once the event loop turns, not inside the acknowledged write", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { compactBytes: 2048 });
    let config = cfg("t") as ReturnType<typeof cfg>;
    let count = 0;
    // Single puts of ~300 bytes: the one that crosses the threshold resolves with the log uncompacted.
    while (statSyncSize(logOf(dir)) < 2048) {
      count++;
      config = (await saver.put(config, makeCheckpoint({ note: "x".repeat(300) + count }, { note: count }), meta, {
        note: count,
      })) as ReturnType<typeof cfg>;
    }
    expect(existsSync(packOf(dir))).toBe(false);
    await idle();
    await idle();
    expect(statSync(packOf(dir)).size).toBeGreaterThan(0);
    expect(statSync(logOf(dir)).size).toBe(0);
    const reopened = openSaver(dir).saver;
    expect((await reopened.getTuple(cfg("t")))!.checkpoint.channel_values.note).toBe("x".repeat(300) + count);
    await saver.close();
  });

  it("back-to-back writes compact first when no idle moment came (the log stays bounded)", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { compactBytes: 2048 });
    let turn = 0;
    let largest = 0;
    // No event-loop turn at all between these writes (fsync off: every write is synchronous).
    for (; turn < 40;) {
      await simulateTurn(saver, "t", ++turn);
      largest = Math.max(largest, statSyncSize(logOf(dir)));
    }
    expect(statSync(packOf(dir)).size).toBeGreaterThan(0);
    // One turn writes well under 2 KiB: the log never holds more than the threshold plus one turn.
    expect(largest).toBeLessThan(2 * 2048);
    await saver.close();
    const reopened = openSaver(dir).saver;
    expect(((await reopened.getTuple(cfg("t")))!.checkpoint.channel_values.messages as unknown[]).length).toBe(
      2 * turn,
    );
  });

  it("close runs a compaction that was still waiting", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { compactBytes: 2048 });
    let turn = 0;
    while (statSyncSize(logOf(dir)) < 2048) await simulateTurn(saver, "t", ++turn);
    await saver.close();
    expect(statSync(packOf(dir)).size).toBeGreaterThan(0);
    expect(statSync(logOf(dir)).size).toBe(0);
  });
});

function statSyncSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}
