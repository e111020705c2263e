import { existsSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { threadFileStem } from "../../../../../src/checkpoint/file";
import { makeCheckpoint } from "../../conformance";
import { cfg, collect, openSaver, tempDir } from "../helpers";

const meta = { source: "loop" as const, step: 0, parents: {} };
const lockOf = (dir: string, id: string) => join(dir, "locks", `${threadFileStem(id)}.lock`);

/** A run lock is kept for `leaseMs` after its run, so back-to-back runs skip the lock file and the re-read. */
describe("FileSaver run-lock lease", () => {
  it("back-to-back runs of one saver reuse the lock file; every write lands", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { leaseMs: 60_000 });
    let config = cfg("t") as ReturnType<typeof cfg>;
    const first = await saver.lockThread("t");
    config = (await saver.put(config, makeCheckpoint({ n: 1 }), meta, { n: 1 })) as ReturnType<typeof cfg>;
    await first.release();
    const ino = statSync(lockOf(dir, "t")).ino;
    const second = await saver.lockThread("t");
    expect(statSync(lockOf(dir, "t")).ino).toBe(ino);
    await saver.put(config, makeCheckpoint({ n: 2 }, { n: 2 }), meta, { n: 2 });
    await second.release();
    // A second run while the first holds it is still refused.
    const third = await saver.lockThread("t");
    await expect(saver.lockThread("t")).rejects.toMatchObject({ code: "THREAD_BUSY" });
    await third.release();
    await saver.close();
    expect(existsSync(lockOf(dir, "t"))).toBe(false);
    expect((await openSaver(dir).saver.getTuple(cfg("t")))!.checkpoint.channel_values).toEqual({ n: 2 });
  });

  it("a lease ends by itself after leaseMs and frees the lock file", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { leaseMs: 10 });
    await (await saver.lockThread("t")).release();
    // No timing assertion: wait (bounded by the test timeout) until the lease's timer removed the lock.
    while (existsSync(lockOf(dir, "t"))) await new Promise((resolve) => setTimeout(resolve, 10));
    await (await openSaver(dir).saver.lockThread("t")).release();
    await saver.close();
  });

  it("a lease whose lock file vanished is not trusted: the next run takes the lock again and reads what others wrote", async () => {
    const dir = tempDir();
    const a = openSaver(dir, { leaseMs: 60_000 }).saver;
    const run = await a.lockThread("t");
    const c1 = await a.put(cfg("t"), makeCheckpoint({ n: 1 }), meta, { n: 1 });
    await run.release();
    unlinkSync(lockOf(dir, "t")); // e.g. a user cleaned the store's locks
    const b = openSaver(dir).saver;
    await b.put(c1, makeCheckpoint({ n: 2 }, { n: 2 }), meta, { n: 2 });
    const again = await a.lockThread("t");
    expect((await a.getTuple(cfg("t")))!.checkpoint.channel_values).toEqual({ n: 2 });
    await again.release();
    await a.close();
  });

  it("a write outside a run does not trust a lease whose lock file vanished: it re-reads and never forks", async () => {
    const dir = tempDir();
    const a = openSaver(dir, { leaseMs: 60_000 }).saver;
    const run = await a.lockThread("t");
    const c1 = await a.put(cfg("t"), makeCheckpoint({ n: 1 }), meta, { n: 1 });
    await run.release();
    unlinkSync(lockOf(dir, "t"));
    const b = openSaver(dir).saver;
    const c2 = await b.put(c1, makeCheckpoint({ n: 2 }, { n: 2 }), meta, { n: 2 });
    await a.put(c2, makeCheckpoint({ n: 3 }, { n: 3 }), meta, { n: 3 });
    const fresh = openSaver(dir).saver;
    expect((await fresh.getTuple(cfg("t")))!.checkpoint.channel_values).toEqual({ n: 3 });
    expect((await collect(fresh.list(cfg("t")))).map((t) => t.checkpoint.channel_values.n)).toEqual([3, 2, 1]);
    await a.close();
  });

  it("another saver of this process takes a leased thread at once; deleteThread ends the lease", async () => {
    const dir = tempDir();
    const a = openSaver(dir, { leaseMs: 60_000 }).saver;
    await (await a.lockThread("t")).release();
    await a.put(cfg("t"), makeCheckpoint({ n: 1 }), meta, { n: 1 });
    const b = openSaver(dir, { lockWaitMs: 50 }).saver;
    await (await b.lockThread("t")).release();
    await (await a.lockThread("t")).release();
    await a.deleteThread("t");
    expect(existsSync(lockOf(dir, "t"))).toBe(false);
    await a.close();
    await b.close();
  });
});
