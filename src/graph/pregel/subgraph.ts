/**
 * Subgraphs (LangGraph's nested Pregel runs). A compiled graph run inside a task — as a node
 * (`addNode("child", compiledChild)`) or called from a node function — is *nested*: it borrows the parent's
 * checkpointer and thread, stores its checkpoints under the namespace `"<node>:<task id>"` (joined with `|`
 * below the root), resumes when the parent resumes, and lets `interrupt()` and `Command.PARENT` bubble up to
 * the parent's task. The nesting is found through the running task's AsyncLocalStorage context, so
 * `child.invoke(input)` inside a node works with or without passing `config` along, as in LangGraph.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { CheckpointConfig } from "../../checkpoint/types";
import { Command } from "../command";
import { GraphError } from "../errors";
import type { RunnableConfig } from "../types";
import { taskContext } from "./interruptContext";
import type { StreamEmitter } from "./stream";

/** Separates the levels of a checkpoint namespace ("child:<task id>|grandchild:<task id>"). */
export const NS_SEP = "|";
/** Separates a node name from its task id inside one level. */
const NS_END = ":";

/** What a parent run lends a graph run started inside one of its tasks. */
export interface NestContext {
  /** Namespace of the task the nested graph runs in (the nested graph's own checkpoint_ns). */
  ns: string;
  threadId?: string;
  checkpointer?: BaseCheckpointSaver;
  /** Namespace → checkpoint id of every ancestor run (stored as the nested checkpoints' `metadata.parents`). */
  checkpointMap: Record<string, string>;
  /** The parent run resumes (null / Command input): a nested graph with saved state continues it. */
  resuming: boolean;
  /** The parent's unused `Command({ resume })` value, handed to the nested graph's next `interrupt()`. */
  nullResume(): { value: unknown } | undefined;
  /** `Command({ resume: { [interruptId]: value } })` of the parent run, for interrupts inside nested graphs. */
  resumeMap?: Record<string, unknown>;
  emitter: StreamEmitter;
  /** The task's signal: aborted when the parent run is aborted or a sibling fails. */
  signal: AbortSignal;
  config: RunnableConfig;
  /** How many graphs this task already ran (the second gets namespace "<ns>|1", as in LangGraph). */
  counter: number;
}

/** The namespace a task's nested graphs use. */
export function taskNamespace(parentNs: string, name: string, taskId: string): string {
  const own = `${name}${NS_END}${taskId}`;
  return parentNs ? `${parentNs}${NS_SEP}${own}` : own;
}

/** The nesting of the current task, if a graph run is starting inside one. */
export function currentNest(): NestContext | undefined {
  return taskContext.getStore()?.nest;
}

/**
 * The config of a nested run: the parent's thread and this run's namespace (a `checkpoint_id` or
 * `checkpoint_ns` the node passed along from its own config addresses the parent, so it is dropped).
 */
export function nestedConfig(nest: NestContext, given: RunnableConfig): { config: RunnableConfig; ns: string } {
  const ns = nest.counter > 0 ? `${nest.ns}${NS_SEP}${nest.counter}` : nest.ns;
  nest.counter++;
  // A node passing its own config along passes its task metadata (langgraph_node…) and stream hooks too:
  // the nested run keeps the run's metadata, and its own tasks get their own hooks.
  const { writer: _w, emitMessageChunk: _e, metadata: _m, ...own } = given as RunnableConfig & Record<string, unknown>;
  const base: RunnableConfig = { ...nest.config, ...own };
  const { checkpoint_id: _id, checkpoint_ns: _ns, ...rest } = base.configurable ?? {};
  const signal = base.signal && base.signal !== nest.signal ? AbortSignal.any([base.signal, nest.signal]) : nest.signal;
  const configurable = {
    ...rest,
    checkpoint_ns: ns,
    ...(nest.threadId !== undefined ? { thread_id: nest.threadId } : {}),
  };
  return { config: { ...base, signal, configurable }, ns };
}

/** "child:<id>|grand:<id>" → "child|grand": the node path `getSubgraphs` understands. */
export function recastNamespace(ns: string): string {
  return ns
    .split(NS_SEP)
    .filter((part) => !/^\d+$/.test(part))
    .map((part) => part.split(NS_END)[0])
    .join(NS_SEP);
}

/** The config of a nested checkpoint as LangGraph reports it: with the `checkpoint_map` of its ancestors. */
export function withCheckpointMap(
  config: CheckpointConfig,
  parents: Record<string, unknown> | undefined,
): CheckpointConfig {
  const ns = config.configurable?.checkpoint_ns ?? "";
  const id = config.configurable?.checkpoint_id;
  if (!ns || !parents || Object.keys(parents).length === 0 || id === undefined) return config;
  return { configurable: { ...config.configurable, checkpoint_map: { ...parents, [ns]: id } } };
}

/**
 * Thrown by a subgraph node's writers for `Command({ graph: Command.PARENT })`: the nested run stops and the
 * parent task that ran the subgraph applies the command as its own output.
 */
export class ParentCommand extends GraphError {
  override name = "ParentCommand";
  constructor(readonly command: Command) {
    // An empty message, as LangGraph stores it in the nested run's __error__ write.
    super("", "PARENT_COMMAND");
  }

  /** The command as the parent graph applies it. */
  forParent(): Command {
    const { graph: _graph, goto, ...rest } = this.command;
    return new Command({ ...(rest.update !== undefined ? { update: rest.update } : {}), goto });
  }
}

export function isParentCommand(error: unknown): error is ParentCommand {
  return error instanceof ParentCommand;
}
