import type { CheckpointPendingWrite, PendingWrite } from "../../../checkpoint/types";
import { INTERRUPT, NULL_TASK_ID, RESUME } from "../../constants";
import type { Interrupt } from "../../types";

/**
 * The writes on the current checkpoint: those of tasks that finished (a resumed step skips them), the
 * interrupts tasks raised, the update and goto of a Command given as input (the null task's), and resume
 * values — addressed to a task (by the ids of its interrupts) or to the next `interrupt()` of any task.
 * Saving them is CheckpointSaving's; which resume value goes where is runInput.ts's.
 */
export class PendingWrites {
  constructor(public list: CheckpointPendingWrite[]) {}

  clear(): void {
    this.list = [];
  }

  /** A finished task's writes. */
  add(taskId: string, writes: PendingWrite[]): void {
    for (const [chan, value] of writes) this.list.push([taskId, chan, value]);
  }

  /** One write of the run's input; a new resume value replaces the task's earlier unused one. */
  set(taskId: string, chan: string, value: unknown): void {
    this.list = this.list.filter(([id, c]) => !(chan === RESUME && id === taskId && c === RESUME));
    this.list.push([taskId, chan, value]);
  }

  /** The writes a `Command` given as input stored (its update and goto). */
  nullWrites(): PendingWrite[] {
    return this.list
      .filter(([id, chan]) => id === NULL_TASK_ID && chan !== RESUME)
      .map(([, chan, value]): PendingWrite => [chan, value]);
  }

  /** The resume values addressed to a task, one per `interrupt()` it calls, in order. */
  resumeOf(taskId: string): unknown[] {
    const found = this.list.find(([id, chan]) => id === taskId && chan === RESUME);
    return found ? (found[2] as unknown[]) : [];
  }

  /** The resume value for the next `interrupt()` of any task. */
  nullResume(): { value: unknown } | undefined {
    const found = this.list.find(([id, chan]) => id === NULL_TASK_ID && chan === RESUME);
    return found ? { value: found[2] } : undefined;
  }

  /** Interrupt id → the task that raised it. */
  interruptOwners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const [taskId, chan, value] of this.list) {
      if (chan === INTERRUPT) for (const found of value as Interrupt[]) owners.set(found.id, taskId);
    }
    return owners;
  }
}
