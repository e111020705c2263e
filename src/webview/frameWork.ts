/**
 * The chat's own work per animation frame, run from one frame callback in a fixed order: streamed text first,
 * then long stored messages, then code colours. Each job can see how much of the frame the jobs before it used,
 * so work that can wait (the rest of a long message, a grammar's first compile) waits for a quieter frame instead
 * of making this one late: a frame that renders a streamed batch and then compiles TypeScript's grammar would
 * hold the page for two frames' time.
 */

/** In the order they run within a frame. */
const STAGES = ["render", "backlog", "colour"] as const;
export type FrameStage = (typeof STAGES)[number];

const jobs = new Map<FrameStage, Set<() => void>>(STAGES.map((stage) => [stage, new Set()]));
let requested = false;
/** When the current frame's jobs began; undefined outside them. */
let frameStart: number | undefined;

export function now(): number {
  return (globalThis.performance ?? Date).now();
}

/**
 * Runs `job` in the next frame, at its stage. A job asked for again before that frame runs once (pass the same
 * function); one asked for while the frame runs goes to the frame after, unless its stage is still to come.
 */
export function onNextFrame(stage: FrameStage, job: () => void): void {
  jobs.get(stage)!.add(job);
  if (requested) return;
  requested = true;
  if (typeof globalThis.requestAnimationFrame === "function") globalThis.requestAnimationFrame(runFrame);
  else setTimeout(runFrame, 16);
}

/** Milliseconds of this frame's work so far: since its jobs began, or, outside them, since `since`. */
export function frameTimeUsed(since: number): number {
  return now() - (frameStart ?? since);
}

/** One job failing must not take the frame's other jobs with it; its error is still reported. */
function runJob(job: () => void): void {
  try {
    job();
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

function runFrame(): void {
  requested = false;
  frameStart = now();
  try {
    for (const stage of STAGES) {
      const due = Array.from(jobs.get(stage)!);
      jobs.get(stage)!.clear();
      for (const job of due) runJob(job);
    }
  } finally {
    frameStart = undefined;
  }
}
