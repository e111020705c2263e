/**
 * Runs one step's tasks concurrently (LangGraph `pregel/runner.ts`). Each finished task's writes are saved at
 * once; the first real error aborts the siblings and is recorded as an `__error__` write; interrupts are
 * recorded as `__interrupt__` writes and do not stop the siblings; the caller's signal stops waiting at once.
 */
import type { PendingWrite } from "../../checkpoint/types";
import type { BaseChannel } from "../channels";
import { ERROR, INTERRUPT, NO_WRITES, RESUME } from "../constants";
import { GraphInterrupt, InvalidUpdateError } from "../errors";
import type { Interrupt, MessageChunk, NodeConfig, RunnableConfig } from "../types";
import { readState, stateUpdate, type Task } from "./algo";
import { retryDelay, sleep } from "./retry";
import { taskContext, type TaskScratchpad } from "./interruptContext";
import { isParentCommand, taskNamespace, type NestContext } from "./subgraph";
import type { StreamEmitter } from "./stream";

export interface StepEnv {
  step: number;
  ns: string;
  config: RunnableConfig;
  /** The caller's signal (config.signal), if any. */
  runSignal?: AbortSignal;
  hasCheckpointer: boolean;
  emitter: StreamEmitter;
  channels: Record<string, BaseChannel>;
  stateKeys: readonly string[];
  /** Resume values a task already received (from its stored `__resume__` write). */
  resumeOf(taskId: string): unknown[];
  /** The step's `Command({ resume })` value given without interrupt ids, if any. */
  nullResume(): { value: unknown } | undefined;
  /** Persists one task's writes against the checkpoint the step started from. */
  saveWrites(taskId: string, writes: PendingWrite[]): Promise<void>;
  /** What a graph run inside this task inherits. */
  nestFor(task: Task, signal: AbortSignal): NestContext;
  /** This run is itself a subgraph run (so `Command.PARENT` has somewhere to go). */
  nested: boolean;
}

export interface StepOutcome {
  interrupts: Interrupt[];
  /** A task stopped at an interrupt (a subgraph's static breakpoint interrupts with no value). */
  interrupted?: boolean;
  error?: unknown;
  aborted: boolean;
}

export async function runStep(tasks: Task[], env: StepEnv): Promise<StepOutcome> {
  // Aborted when a task fails (its siblings stop) or the caller aborts.
  const controller = new AbortController();
  const outcome: StepOutcome = { interrupts: [], aborted: false };
  let closed = false;
  let failed = false;
  const stopped = new Promise<void>((resolve) =>
    env.runSignal?.addEventListener("abort", () => resolve(), { once: true }),
  );
  const onRunAbort = () => {
    outcome.aborted = true;
    closed = true;
    controller.abort(env.runSignal?.reason);
  };
  if (env.runSignal?.aborted) return { ...outcome, aborted: true };
  env.runSignal?.addEventListener("abort", onRunAbort, { once: true });

  const runTask = async (task: Task): Promise<void> => {
    const pad: TaskScratchpad = {
      taskId: task.id,
      hasCheckpointer: env.hasCheckpointer,
      resume: [...env.resumeOf(task.id)],
      resumeChanged: false,
      callCount: 0,
    };
    // Built only when a graph run starts inside this task, so plain nodes pay nothing for subgraph support.
    let nest: NestContext | undefined;
    Object.defineProperty(pad, "nest", { get: () => (nest ??= env.nestFor(task, controller.signal)) });
    const nullResume = env.nullResume();
    if (nullResume) pad.nullResume = nullResume;
    const config = nodeConfig(task, env, controller.signal, () => closed);
    const eventTask = {
      id: task.id,
      name: task.name,
      input: task.input,
      path: task.path,
      hidden: task.node.hidden === true,
    };
    env.emitter.taskEvents?.("start", eventTask, config.metadata, env.step);
    const resumeWrites = (): PendingWrite[] => (pad.resumeChanged ? [[RESUME, pad.resume]] : []);
    // Writes the node's writers made before a router failed: kept with the error, as LangGraph keeps them.
    const ctx = { config, readFresh: (own: PendingWrite[]) => readFresh(env, own), written: [] as PendingWrite[] };
    let output: unknown;
    let writes: PendingWrite[];
    for (let attempt = 1; ; attempt++) {
      try {
        ctx.written = [];
        try {
          output = await taskContext.run(pad, () => task.node.run(task.input, config));
        } catch (error) {
          // A subgraph run inside this task returned Command.PARENT: this task applies it as its own output.
          if (!isParentCommand(error)) throw error;
          output = error.forParent();
        }
        writes = await task.node.writes(output, ctx).catch((error: unknown) => {
          if (isParentCommand(error) && !env.nested) {
            throw new InvalidUpdateError(
              `Node "${task.name}" returned Command({ graph: Command.PARENT }), but this graph has no parent graph: it is not running as a subgraph.`,
              "INVALID_PARENT_COMMAND",
            );
          }
          throw error;
        });
        break;
      } catch (error) {
        const policy = task.node.retryPolicy;
        const delay =
          policy && !closed && !failed && !(error instanceof GraphInterrupt)
            ? retryDelay(policy, attempt, error)
            : undefined;
        if (delay === undefined) return settle(task, error, [...ctx.written, ...resumeWrites()]);
        if (policy!.logWarning ?? true)
          console.log(
            `Retrying task "${task.name}" after ${delay.toFixed(2)}ms (attempt ${attempt}) after ${(error as Error)?.name}: ${error}`,
          );
        await sleep(delay, controller.signal);
        pad.callCount = 0;
      }
    }
    if (closed) return;
    await env.saveWrites(task.id, [
      ...(writes.length ? writes : [[NO_WRITES, null] as PendingWrite]),
      ...resumeWrites(),
    ]);
    task.writes = writes;
    if (!task.node.hidden) emitOutput(env, task, writes, config);
    emitTaskResult(env, task, writes);
    env.emitter.taskEvents?.("end", eventTask, config.metadata, env.step, output);
  };

  /** Records how a task ended without finishing: its interrupts, or its error (the first error stops the siblings). */
  const settle = async (task: Task, error: unknown, kept: PendingWrite[]): Promise<void> => {
    if (closed) return;
    if (error instanceof GraphInterrupt) {
      outcome.interrupts.push(...error.interrupts);
      outcome.interrupted = true;
      const writes: PendingWrite[] = [[INTERRUPT, error.interrupts], ...kept.filter(([chan]) => chan === RESUME)];
      await env.saveWrites(task.id, writes);
      env.emitter.emit("updates", { [INTERRUPT]: error.interrupts });
      env.emitter.emit("values", { [INTERRUPT]: error.interrupts });
      emitTaskResult(env, task, writes);
      return;
    }
    // A sibling stopped because another task failed records its AbortError; only the first failure is thrown.
    if (!failed) outcome.error = error;
    failed = true;
    const err = error as { message?: unknown; name?: unknown };
    const writes: PendingWrite[] = [
      ...kept.filter(([chan]) => chan !== RESUME),
      [ERROR, { message: String(err?.message ?? error), name: String(err?.name ?? "Error") }],
    ];
    await env.saveWrites(task.id, writes);
    emitTaskResult(env, task, writes);
    controller.abort(error);
  };

  try {
    await Promise.race([Promise.all(tasks.map(runTask)), stopped]);
  } finally {
    env.runSignal?.removeEventListener("abort", onRunAbort);
    closed = true;
  }
  return outcome;
}

/** Which message ids a task already streamed as chunks (so they are not emitted again whole). */
const streamedIds = new WeakMap<NodeConfig, Set<string>>();

function nodeConfig(task: Task, env: StepEnv, signal: AbortSignal, isClosed: () => boolean): NodeConfig {
  const threadId = env.config.configurable?.thread_id;
  const metadata = {
    ...(env.config.metadata as Record<string, unknown> | undefined),
    langgraph_node: task.name,
    langgraph_step: env.step,
    langgraph_triggers: task.triggers,
    langgraph_task_id: task.id,
    langgraph_checkpoint_ns: taskNamespace(env.ns, task.name, task.id),
  };
  const streamed = new Set<string>();
  const config: NodeConfig = {
    ...env.config,
    signal,
    metadata,
    writer: (chunk: unknown) => {
      if (!isClosed()) env.emitter.emit("custom", chunk);
    },
    emitMessageChunk: (chunk: MessageChunk) => {
      if (isClosed() || !env.emitter.wants("messages")) return;
      streamed.add(chunk.id);
      env.emitter.emit("messages", [
        chunk,
        { ...metadata, ...(threadId !== undefined ? { thread_id: threadId } : {}), message_id: chunk.id },
      ]);
    },
  };
  streamedIds.set(config, streamed);
  return config;
}

/**
 * `updates` gets `{ node: { key: value } }` for the state keys the task wrote (`{}` when it wrote none);
 * `messages` gets whole messages a node returned without streaming them.
 */
function emitOutput(env: StepEnv, task: Task, writes: PendingWrite[], config: NodeConfig): void {
  const update = stateUpdate(env.stateKeys, writes);
  env.emitter.emit("updates", { [task.name]: update ?? {} });
  if (!env.emitter.wants("messages") || update === undefined) return;
  const streamed = streamedIds.get(config) ?? new Set<string>();
  const threadId = env.config.configurable?.thread_id;
  for (const [chan, raw] of writes) {
    if (chan !== "messages") continue;
    for (const message of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
      if (typeof message !== "object" || message === null || (message as { type?: unknown }).type === "remove")
        continue;
      const id = (message as { id?: unknown }).id;
      if (typeof id === "string" && streamed.has(id)) continue;
      env.emitter.emit("messages", [
        message,
        { ...config.metadata, ...(threadId !== undefined ? { thread_id: threadId } : {}), message_id: id },
      ]);
    }
  }
}

/** `tasks` / `debug` stream: how a task ended (LangGraph's task-result payload). */
function emitTaskResult(env: StepEnv, task: Task, writes: PendingWrite[]): void {
  if (task.node.hidden || !env.emitter.wantsTasks()) return;
  env.emitter.emitTask(env.step, {
    id: task.id,
    name: task.name,
    result: stateUpdate(env.stateKeys, writes) ?? {},
    interrupts: writes.filter(([chan]) => chan === INTERRUPT).flatMap(([, value]) => value as Interrupt[]),
    error: writes.find(([chan]) => chan === ERROR)?.[1] ?? null,
  });
}

function readFresh(env: StepEnv, own: PendingWrite[]): Record<string, unknown> {
  const grouped = new Map<string, unknown[]>();
  for (const [chan, value] of own) {
    if (!env.stateKeys.includes(chan)) continue;
    let list = grouped.get(chan);
    if (!list) grouped.set(chan, (list = []));
    list.push(value);
  }
  if (grouped.size === 0) return readState(env.channels, env.stateKeys);
  const fresh: Record<string, BaseChannel> = { ...env.channels };
  for (const [chan, values] of grouped) {
    const copy = env.channels[chan]!.fromCheckpoint(env.channels[chan]!.checkpoint());
    copy.update(values);
    fresh[chan] = copy;
  }
  return readState(fresh, env.stateKeys);
}
