/**
 * Fault injection at every write site of the store (through its fs seam): short writes, a full disk, EIO on
 * fsync. For each fault: no acknowledged turn is lost, no thread silently changes, the failure is reported
 * (a rejected write or a warning), and the thread takes new turns afterwards.
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FileSaver, StoreWarning } from "../../../../src/checkpoint/file";
import { storeIo, type WriteSite } from "../../../../src/checkpoint/file/io/io";
import { injectFaults, type Fault } from "./faults";
import { cfg, collect, openSaver, tempDir } from "./helpers";
import { makeText, simulateTurn, type TurnMessage } from "./workload";

const turnOf = (m: TurnMessage) => Number(/^(?:turn|reply) (\d+):/.exec(m.content)?.[1]);

/** Runs turns, recording which were acknowledged (resolved) and which failed. */
async function turns(
  saver: FileSaver,
  thread: string,
  from: number,
  count: number,
  log: { acked: number[]; failed: number[] },
) {
  for (let turn = from; turn < from + count; turn++) {
    try {
      await simulateTurn(saver, thread, turn);
      log.acked.push(turn);
    } catch {
      log.failed.push(turn);
    }
  }
}

/** Every acknowledged turn is in the head, exactly as written and in order; nothing else but failed turns' traces. */
async function expectIntact(saver: FileSaver, thread: string, log: { acked: number[]; failed: number[] }) {
  const messages =
    ((await saver.getTuple(cfg(thread)))?.checkpoint.channel_values.messages as TurnMessage[] | undefined) ?? [];
  const acked = new Set(log.acked);
  const expected = log.acked.flatMap((n) => [
    `turn ${n}: ${makeText(190, n * 2 + 1)}`,
    `reply ${n}: ${makeText(388, n * 2 + 2)}`,
  ]);
  expect(messages.filter((m) => acked.has(turnOf(m))).map((m) => m.content)).toEqual(expected);
  expect(messages.every((m) => acked.has(turnOf(m)) || log.failed.includes(turnOf(m)))).toBe(true);
  // Every checkpoint of the history still reads.
  for (const tuple of await collect(saver.list(cfg(thread)))) expect(tuple.checkpoint.id).toBeTruthy();
}

describe("FileSaver under write faults", () => {
  it("a short pack write during compaction (then a full disk) keeps every acknowledged turn: the log is emptied only after the frame is whole", async () => {
    const dir = tempDir();
    const { saver, warnings } = openSaver(dir, { compactBytes: 4096 });
    const log = { acked: [] as number[], failed: [] as number[] };
    const faults = injectFaults({ site: "pack", call: "write", fault: "short", skip: 2 });
    await turns(saver, "t", 1, 40, log);
    await saver.close();
    expect(faults.hits[0]).toBeGreaterThan(0);
    expect(log.failed).toEqual([]); // compaction is not the turn: every turn was acknowledged
    expect(warnings.filter((w) => w.code === "COMPACTION_FAILED")).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(
      /Thread "t": could not move its newest records into the pack \(ENOSPC.*nothing was lost/,
    );
    faults.heal();
    const again = openSaver(dir, { compactBytes: 4096 });
    await expectIntact(again.saver, "t", log);
    await turns(again.saver, "t", 41, 5, log);
    await again.saver.close();
    const third = openSaver(dir);
    await expectIntact(third.saver, "t", log);
    expect(third.warnings).toEqual([]);
  });

  it("a full disk mid-append rejects that turn and takes the half line back, so the next turn lands cleanly", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir);
    const log = { acked: [] as number[], failed: [] as number[] };
    await turns(saver, "t", 1, 3, log);
    const faults = injectFaults({ site: "log", call: "write", fault: "short", times: 1 });
    await turns(saver, "t", 4, 1, log);
    expect(log.failed).toEqual([4]);
    faults.heal();
    await turns(saver, "t", 5, 2, log);
    await saver.close();
    const again = openSaver(dir);
    await expectIntact(again.saver, "t", log);
    expect(again.warnings).toEqual([]); // nothing torn was left behind
  });

  it("when the half line cannot be taken back either, the next write repairs it first (reported), losing nothing acknowledged", async () => {
    const dir = tempDir();
    const { saver, warnings } = openSaver(dir);
    const log = { acked: [] as number[], failed: [] as number[] };
    await turns(saver, "t", 1, 2, log);
    const faults = injectFaults(
      { site: "log", call: "write", fault: "short", times: 1 },
      { site: "log", call: "truncate", fault: "EIO", times: 1 },
    );
    await turns(saver, "t", 3, 1, log);
    faults.heal();
    await turns(saver, "t", 4, 2, log);
    expect(warnings.map((w) => w.code)).toEqual(["TORN_TAIL"]);
    await saver.close();
    const again = openSaver(dir);
    await expectIntact(again.saver, "t", log);
    expect(again.warnings).toEqual([]);
  });

  it("EIO on a log fsync rejects the turn and drops memory's copy, so reads show only what the disk has", async () => {
    const dir = tempDir();
    const { saver } = openSaver(dir, { fsync: true });
    const log = { acked: [] as number[], failed: [] as number[] };
    await turns(saver, "t", 1, 2, log);
    const faults = injectFaults({ site: "log", call: "fsync", fault: "EIO", times: 1 });
    await turns(saver, "t", 3, 1, log);
    expect(log.failed).toEqual([3]);
    faults.heal();
    await expectIntact(saver, "t", log);
    await turns(saver, "t", 4, 2, log);
    await saver.close();
    await expectIntact(openSaver(dir).saver, "t", log);
  });

  it("a full read while a turn's log fsync is in flight (a fork probe on a thread opened from its head cache) does not close the fd under the fsync", async () => {
    const dir = tempDir();
    const log = { acked: [] as number[], failed: [] as number[] };
    const first = openSaver(dir, { fsync: true });
    await turns(first.saver, "t", 1, 3, log);
    await first.saver.close(); // saves the head cache: the next open loads only the head
    const { saver, warnings } = openSaver(dir, { fsync: true });
    await saver.getTuple(cfg("t"));
    // Hold the first log fsync until a full read has run.
    let reached!: () => void;
    const atFsync = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const real = storeIo.fsyncAsync;
    let calls = 0;
    storeIo.fsyncAsync = async (fd, site) => {
      if (site === "log" && calls++ === 0) {
        reached();
        await held;
      }
      return real(fd, site);
    };
    const turn = turns(saver, "t", 4, 1, log);
    await atFsync;
    expect((await collect(saver.list(cfg("t")))).length).toBeGreaterThan(3); // loads every checkpoint
    release();
    await turn;
    expect(log.failed).toEqual([]);
    await turns(saver, "t", 5, 1, log);
    expect(log.failed).toEqual([]);
    await saver.close();
    expect(warnings).toEqual([]);
    await expectIntact(openSaver(dir).saver, "t", log);
  });

  it("EIO on a pack fsync keeps the records in the log and the pack as it was", async () => {
    const dir = tempDir();
    const { saver, warnings } = openSaver(dir, { fsync: true, compactBytes: 4096 });
    const log = { acked: [] as number[], failed: [] as number[] };
    const faults = injectFaults({ site: "pack", call: "fsync", fault: "EIO", skip: 1, times: 3 });
    await turns(saver, "t", 1, 25, log);
    await saver.close();
    expect(faults.hits[0]).toBe(3);
    expect(log.failed).toEqual([]);
    expect(warnings.some((w) => w.code === "COMPACTION_FAILED" && /EIO/.test(w.message))).toBe(true);
    const again = openSaver(dir);
    await expectIntact(again.saver, "t", log);
    expect(again.warnings).toEqual([]);
  });

  it("a full catalog write never fails a turn that is already durable: warned once, written with the next write that succeeds", async () => {
    const dir = tempDir();
    const { saver, warnings } = openSaver(dir);
    const log = { acked: [] as number[], failed: [] as number[] };
    await turns(saver, "t", 1, 1, log);
    await saver.setThreadInfo("t", { title: "Kept" });
    const faults = injectFaults({ site: "catalog", call: "write", fault: "ENOSPC" });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the one-second touch coalescing
    await turns(saver, "t", 2, 3, log);
    expect(log.failed).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(["CATALOG_WRITE_FAILED"]);
    expect(warnings[0]!.message).toMatch(/Thread "t" was saved, but the thread list could not be updated/);
    faults.heal();
    await turns(saver, "t", 5, 1, log);
    await saver.close();
    const again = openSaver(dir);
    expect((await again.saver.listThreads()).map((t) => [t.threadId, t.title])).toEqual([["t", "Kept"]]);
    await expectIntact(again.saver, "t", log);
  });

  const sites: WriteSite[] = ["log", "pack", "catalog", "catalogRewrite", "head", "marker"];
  const kinds: Fault[] = ["short", "ENOSPC"];
  for (const site of sites) {
    for (const fault of kinds) {
      it(`${fault} at the ${site} site, from its 2nd write on, then space freed: nothing acknowledged lost, every failure reported`, async () => {
        const dir = tempDir();
        const reported: StoreWarning[] = [];
        const log = { acked: [] as number[], failed: [] as number[] };
        const other = { acked: [] as number[], failed: [] as number[] };
        const faults = injectFaults({ site, call: "write", fault, skip: site === "marker" ? 0 : 1 });
        const { saver, warnings } = openSaver(dir, { compactBytes: 2048 });
        await turns(saver, "t", 1, 12, log);
        await turns(saver, "u", 1, 2, other);
        const renamed = await saver.setThreadInfo("t", { title: "T" }).then(
          () => true,
          () => false,
        );
        const deleted = await saver.deleteThread("u").then(
          () => true,
          () => false,
        );
        await saver.close().catch(() => undefined);
        reported.push(...warnings);
        faults.heal();
        // Every failure was visible: a rejected call or a warning (the head cache and catalog rewrites are
        // optimisations and may fail silently).
        const failures = log.failed.length + other.failed.length + (renamed ? 0 : 1) + (deleted ? 0 : 1);
        if (faults.hits[0]! > 0 && !["head", "catalogRewrite"].includes(site))
          expect(failures + reported.length).toBeGreaterThan(0);
        const again = openSaver(dir);
        await expectIntact(again.saver, "t", log);
        await turns(again.saver, "t", 13, 2, log);
        await expectIntact(again.saver, "t", log);
        const listed = (await again.saver.listThreads()).map((t) => t.threadId);
        expect(listed).toContain("t");
        if (deleted) expect(listed).not.toContain("u");
        await again.saver.close();
      });
    }
  }
});

describe("FileSaver on a real full disk", () => {
  it("a 300 KB tmpfs fills up mid-conversation: the failing turn is rejected, every acknowledged one survives freeing space and reopening", async (ctx) => {
    const dir = tempDir();
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=300k", "tmpfs", dir], { stdio: "pipe" });
    } catch (error) {
      ctx.skip(
        `cannot mount a small tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim() || "not permitted"}); the injected-fault tests above cover the same paths`,
      );
      return;
    }
    try {
      const store = join(dir, "store");
      writeFileSync(join(dir, "filler"), Buffer.alloc(96 * 1024, 1));
      const { saver, warnings } = openSaver(store, { fsync: true });
      const log = { acked: [] as number[], failed: [] as number[] };
      for (let turn = 1; turn <= 2_000 && log.failed.length < 3; turn++) await turns(saver, "t", turn, 1, log);
      expect(log.failed.length).toBeGreaterThan(0); // the disk did fill up
      expect(log.acked.length).toBeGreaterThan(10);
      await saver.close().catch(() => undefined);
      rmSync(join(dir, "filler"));
      const again = openSaver(store, { fsync: true });
      await expectIntact(again.saver, "t", log);
      await turns(again.saver, "t", 5_000, 2, log);
      expect(log.acked.slice(-2)).toEqual([5_000, 5_001]);
      await expectIntact(again.saver, "t", log);
      await again.saver.close();
      void warnings;
    } finally {
      execFileSync("umount", [dir], { stdio: "pipe" });
    }
  });
});
