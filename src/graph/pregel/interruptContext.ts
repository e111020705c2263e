import { AsyncLocalStorage } from "node:async_hooks";
import { v5 as uuid5 } from "uuid";
import { GraphError, GraphInterrupt, GraphValueError } from "../errors";
import type { Interrupt } from "../types";
import type { NestContext } from "./subgraph";

/** Per-task state `interrupt()` needs; found through AsyncLocalStorage so nodes need not pass config along. */
export interface TaskScratchpad {
  taskId: string;
  hasCheckpointer: boolean;
  /** Resume values this task already received, in `interrupt()` call order. */
  resume: unknown[];
  /** Set when this run handed the task a new resume value (the runner then stores the list). */
  resumeChanged: boolean;
  callCount: number;
  /**
   * The `Command({ resume })` value given without interrupt ids, until this task uses it. Every task of the
   * step gets it, so one value resumes every pending interrupt (LangGraph 1.7).
   */
  nullResume?: { value: unknown };
  /** What a graph run started inside this task inherits (checkpointer, thread, namespace, stream). */
  nest?: NestContext;
}

export const taskContext = new AsyncLocalStorage<TaskScratchpad>();

const INTERRUPT_NAMESPACE = "6f0b5d3e-2a55-4f4c-9d0e-7a3f1c2b8e41";

export function interruptId(taskId: string, index: number): string {
  return uuid5(`${taskId}:${index}`, INTERRUPT_NAMESPACE);
}

/**
 * Pauses the run inside a node: the first time it throws (the run stops, `invoke` returns
 * `__interrupt__: [{ id, value }]`); after `invoke(new Command({ resume }), config)` the node re-runs from its
 * start and the n-th `interrupt()` call returns the n-th resume value. Needs a checkpointer.
 */
export function interrupt<Value = unknown, Resume = unknown>(value: Value): Resume {
  const pad = taskContext.getStore();
  if (!pad)
    throw new GraphError(
      "interrupt() can only be called inside a node while the graph runs.",
      "INTERRUPT_OUTSIDE_NODE",
    );
  if (!pad.hasCheckpointer) {
    throw new GraphValueError(
      "interrupt() needs a checkpointer: compile({ checkpointer: new MemorySaver() }).",
      "MISSING_CHECKPOINTER",
    );
  }
  const index = pad.callCount++;
  if (index < pad.resume.length) return pad.resume[index] as Resume;
  const fresh = pad.nullResume;
  if (fresh) {
    delete pad.nullResume;
    pad.resume.push(fresh.value);
    pad.resumeChanged = true;
    return fresh.value as Resume;
  }
  const found: Interrupt<Value> = { id: interruptId(pad.taskId, index), value };
  throw new GraphInterrupt([found]);
}
