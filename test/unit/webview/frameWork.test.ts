// @vitest-environment jsdom
/**
 * The chat's per-frame work: one frame callback runs the jobs asked for, stage by stage (streamed text, long
 * messages, colours), each once however often it was asked for, and tells a job how much of the frame the jobs
 * before it used.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { frameTimeUsed, now, onNextFrame } from "../../../src/webview/frameWork";

function spin(ms: number): void {
  const until = now() + ms;
  while (now() < until) {
    /* work */
  }
}

describe("frameWork", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "requestAnimationFrame"] }));
  afterEach(() => vi.useRealTimers());

  it("runs each job once per frame, streamed text before long messages before colours", () => {
    const ran: string[] = [];
    const colour = () => ran.push("colour");
    const render = () => ran.push("render");
    onNextFrame("colour", colour);
    onNextFrame("backlog", () => ran.push("backlog"));
    onNextFrame("render", render);
    onNextFrame("render", render);
    onNextFrame("colour", colour);
    expect(ran).toEqual([]);
    vi.advanceTimersToNextTimer();
    expect(ran).toEqual(["render", "backlog", "colour"]);
    vi.advanceTimersToNextTimer();
    expect(ran).toHaveLength(3);
  });

  it("a job asked for during a frame runs in it if its stage is still to come, else in the next frame", () => {
    const ran: string[] = [];
    const again = () => ran.push("render again");
    onNextFrame("render", () => {
      ran.push("render");
      onNextFrame("colour", () => ran.push("colour"));
      onNextFrame("render", again);
    });
    vi.advanceTimersToNextTimer();
    expect(ran).toEqual(["render", "colour"]);
    vi.advanceTimersToNextTimer();
    expect(ran).toEqual(["render", "colour", "render again"]);
  });

  it("tells a job the time the frame's earlier jobs used, and its own time outside a frame", () => {
    let seen = -1;
    onNextFrame("render", () => spin(6));
    onNextFrame("colour", () => (seen = frameTimeUsed(now())));
    vi.advanceTimersToNextTimer();
    expect(seen).toBeGreaterThanOrEqual(6);
    const since = now();
    spin(2);
    expect(frameTimeUsed(since)).toBeGreaterThanOrEqual(2);
  });

  it("a failing job does not stop the others, and its error is still thrown", () => {
    const ran: string[] = [];
    onNextFrame("render", () => {
      throw new Error("broken job");
    });
    onNextFrame("render", () => ran.push("second"));
    onNextFrame("colour", () => ran.push("colour"));
    vi.advanceTimersToNextTimer();
    expect(ran).toEqual(["second", "colour"]);
    expect(() => vi.advanceTimersToNextTimer()).toThrow("broken job");
  });
});
