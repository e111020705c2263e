import { afterEach, describe, expect, it } from "vitest";
import type { PostgresListener, PostgresSaver, StoreChange } from "../../../../src/checkpoint/postgres";
import { dropSchema, freshSchema, openSaver, pgUrl, skipReason, withClient } from "./helpers";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Collects changes; `next(test)` resolves with the first (past or future) change passing `test`. */
function recorder() {
  const seen: StoreChange[] = [];
  const waiters: { test: (c: StoreChange) => boolean; resolve: (c: StoreChange) => void }[] = [];
  return {
    seen,
    onChange(change: StoreChange) {
      seen.push(change);
      for (const waiter of [...waiters])
        if (waiter.test(change)) waiters.splice(waiters.indexOf(waiter), 1) && waiter.resolve(change);
    },
    next(test: (c: StoreChange) => boolean): Promise<StoreChange> {
      const found = seen.find(test);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

async function setupPair(): Promise<{ schema: string; writer: PostgresSaver; reader: PostgresSaver }> {
  const schema = freshSchema("live");
  const writer = openSaver(schema);
  const reader = openSaver(schema);
  await writer.setup();
  cleanups.push(async () => {
    await writer.close();
    await reader.close();
    await dropSchema(schema);
  });
  return { schema, writer, reader };
}

const checkpoint = (id: string) => ({
  v: 4 as const,
  id,
  ts: new Date().toISOString(),
  channel_values: { messages: [{ role: "user", content: id }] },
  channel_versions: { messages: 1 },
  versions_seen: {},
});
const meta = { source: "input" as const, step: -1, parents: {} };

describe.skipIf(!pgUrl)(`PostgresSaver live updates ${skipReason}`, () => {
  it("every committed change is notified with ids only (never content), from another saver's transaction", async () => {
    const { writer, reader } = await setupPair();
    const rec = recorder();
    const listener = reader.watch(rec.onChange);
    cleanups.push(() => listener.close());
    await listener.started;
    await writer.put({ configurable: { thread_id: "t1" } }, checkpoint("00000001"), meta, { messages: 1 });
    const change = await rec.next((c) => c.kind === "checkpoint");
    expect(change).toMatchObject({
      kind: "checkpoint",
      threadId: "t1",
      checkpointId: "00000001",
      ns: "",
      origin: writer.origin,
    });
    expect(JSON.stringify(change)).not.toContain("role");
    await writer.setThreadInfo("t1", { title: "secret title" });
    const info = await rec.next((c) => c.kind === "info");
    expect(JSON.stringify(info)).not.toContain("secret title");
    await writer.deleteThread("t1");
    expect(await rec.next((c) => c.kind === "deleted")).toMatchObject({ threadId: "t1" });
    expect(rec.seen.map((c) => c.rev)).toEqual([...rec.seen.map((c) => c.rev)].sort((a, b) => a - b));
  });

  it("a rolled-back write notifies nothing", async () => {
    const { writer, reader } = await setupPair();
    const rec = recorder();
    const listener = reader.watch(rec.onChange);
    cleanups.push(() => listener.close());
    await listener.started;
    const lock = await reader.lockThread("held");
    await expect(
      writer.put({ configurable: { thread_id: "held" } }, checkpoint("00000002"), meta, { messages: 1 }),
    ).rejects.toMatchObject({ code: "THREAD_BUSY" });
    await lock.release();
    await writer.setThreadInfo("marker", { title: "after" });
    await rec.next((c) => c.threadId === "marker");
    expect(rec.seen.filter((c) => c.threadId === "held")).toEqual([]);
  });

  it("after its connection is killed (pg_terminate_backend) the listener reconnects and re-syncs the turn it missed", async () => {
    const { writer, reader } = await setupPair();
    const rec = recorder();
    const states: string[] = [];
    let onDisconnected: () => void = () => undefined;
    const disconnected = new Promise<void>((resolve) => (onDisconnected = resolve));
    // A long reconnect delay: the missed turn is committed while the listener is surely away.
    const listener: PostgresListener = reader.watch(rec.onChange, {
      reconnectMs: 60_000,
      onState: (state) => {
        states.push(state);
        if (state === "disconnected") onDisconnected();
      },
    });
    cleanups.push(() => listener.close());
    await listener.started;
    await writer.put({ configurable: { thread_id: "seen" } }, checkpoint("00000003"), meta, { messages: 1 });
    await rec.next((c) => c.threadId === "seen");
    const pid = listener.backendPid!;
    const killed = await withClient(
      async (client) => (await client.query(`SELECT pg_terminate_backend($1) AS ok`, [pid])).rows[0].ok,
    );
    expect(killed).toBe(true);
    await disconnected;
    expect(listener.connected).toBe(false);
    await writer.put({ configurable: { thread_id: "missed" } }, checkpoint("00000004"), meta, { messages: 1 });
    listener.reconnect();
    const resynced = await rec.next((c) => c.threadId === "missed");
    expect(resynced.kind).toBe("resync");
    expect(listener.backendPid).not.toBe(pid);
    expect(states).toEqual(["connecting", "connected", "disconnected", "connecting", "connected"]);
    // And live again after the re-sync.
    await writer.setThreadInfo("live-again", { title: "x" });
    expect((await rec.next((c) => c.threadId === "live-again")).kind).toBe("info");
  });
});
