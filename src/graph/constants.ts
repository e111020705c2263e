/** Reserved names, spelled as LangGraph spells them so stored checkpoints read the same. */
export const START = "__start__";
export const END = "__end__";
export { ERROR, INTERRUPT, RESUME, SCHEDULED } from "../checkpoint/types";
/** Topic channel holding the `Send` packets of the next step. */
export const TASKS = "__pregel_tasks";
/** Pseudo node names understood by `updateState`. */
export const COPY = "__copy__";
export const INPUT = "__input__";
/** Task id of writes that belong to no task (a `Command`'s update/goto/resume given as input). */
/** Stored for a task that finished without writing anything, so a resume knows it is done. */
export const NO_WRITES = "__no_writes__";
export const NULL_TASK_ID = "00000000-0000-0000-0000-000000000000";
export const PULL = "__pregel_pull";
export const PUSH = "__pregel_push";
/** Trigger channel of a node: written by edges and routers that point at it. */
export const branchChannel = (node: string): string => `branch:to:${node}`;
/** Barrier channel of an edge that waits for several nodes. */
export const joinChannel = (starts: readonly string[], end: string): string => `join:${starts.join("+")}:${end}`;
export const DEFAULT_RECURSION_LIMIT = 25;
