/**
 * Fault injection for the store's file-system seam (src/checkpoint/file/io.ts): makes the n-th write, fsync,
 * truncate or rename at one site fail the way a full disk or a failing device does.
 */
import { afterEach } from "vitest";
import { storeIo, type WriteSite } from "../../../../src/checkpoint/file/io/io";

const original = { ...storeIo };
afterEach(() => Object.assign(storeIo, original));

export type Fault =
  /** The write gets half its bytes out and reports that (no error), then the disk is full. */
  | "short"
  /** The call fails with ENOSPC before writing anything. */
  | "ENOSPC"
  /** The call fails with EIO (a failing device; on fsync, the written pages may be gone). */
  | "EIO";

export interface FaultPlan {
  site: WriteSite;
  call: "write" | "fsync" | "truncate" | "rename";
  fault: Fault;
  /** Calls at that site to let through first. Default 0. */
  skip?: number;
  /** How many calls fail once it started. Default: every later one (a full disk stays full). */
  times?: number;
}

const errno = (code: string) => Object.assign(new Error(`${code}: injected fault`), { code });

/** Installs the faults; returns how many calls each one hit, and `heal()` to lift every fault. */
export function injectFaults(...plans: FaultPlan[]): { hits: number[]; heal: () => void } {
  const hits = plans.map(() => 0);
  const seen = plans.map(() => 0);
  let healed = false;
  const failing = (call: FaultPlan["call"], site: WriteSite): number => {
    if (healed) return -1;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      if (plan.call !== call || plan.site !== site) continue;
      seen[i]!++;
      if (seen[i]! <= (plan.skip ?? 0)) continue;
      if (plan.times !== undefined && hits[i]! >= plan.times) continue;
      hits[i]!++;
      return i;
    }
    return -1;
  };
  // After a short write the device is full: the continuation fails.
  const full = new Set<WriteSite>();
  storeIo.write = (fd, data, offset, length, site) => {
    if (full.has(site) && !healed) throw errno("ENOSPC");
    const i = failing("write", site);
    if (i < 0) return original.write(fd, data, offset, length, site);
    if (plans[i]!.fault !== "short" || length < 2) throw errno(plans[i]!.fault);
    full.add(site);
    return original.write(fd, data, offset, Math.floor(length / 2), site);
  };
  storeIo.fsync = (fd, site) => {
    const i = failing("fsync", site);
    if (i >= 0) throw errno(plans[i]!.fault === "short" ? "EIO" : plans[i]!.fault);
    original.fsync(fd, site);
  };
  storeIo.fsyncAsync = async (fd, site) => {
    const i = failing("fsync", site);
    if (i >= 0) throw errno(plans[i]!.fault === "short" ? "EIO" : plans[i]!.fault);
    await original.fsyncAsync(fd, site);
  };
  storeIo.truncate = (fd, length, site) => {
    const i = failing("truncate", site);
    if (i >= 0) throw errno(plans[i]!.fault === "short" ? "EIO" : plans[i]!.fault);
    original.truncate(fd, length, site);
  };
  storeIo.rename = (from, to, site) => {
    const i = failing("rename", site);
    if (i >= 0) throw errno(plans[i]!.fault === "short" ? "EIO" : plans[i]!.fault);
    original.rename(from, to, site);
  };
  return {
    hits,
    heal: () => {
      healed = true;
      full.clear();
    },
  };
}
