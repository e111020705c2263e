/**
 * The per-run state machine (LangGraph `pregel/loop.ts`): loads the thread, maps the input, plans each step
 * (`tick`), applies its writes and saves a checkpoint (`afterTick`), and flushes what durability deferred.
 * CheckpointSaving hands checkpoints to the saver; PendingWrites keeps the writes on the current checkpoint.
 */
import type { BaseCheckpointSaver } from "../../../checkpoint/base";
import type {
  Checkpoint,
  CheckpointConfig,
  CheckpointMetadata,
  CheckpointPendingWrite,
  PendingWrite,
} from "../../../checkpoint/types";
import type { BaseChannel } from "../../channels";
import type { GraphStructure } from "../../drawing";
import { isCommand, type Command } from "../../command";
import { DEFAULT_RECURSION_LIMIT, INTERRUPT } from "../../constants";
import { EmptyInputError, GraphError } from "../../errors";
import type { Interrupt, RunnableConfig } from "../../types";
import * as algo from "../algo";
import type { PregelNode } from "../node";
import type { StepEnv } from "../runner";
import type { StreamEmitter } from "../stream";
import { taskNamespace, type NestContext } from "../subgraph";
import { CheckpointSaving, threadMetadata } from "./checkpointSaving";
import { checkpointEvent, emitCachedUpdates, emitTaskStarts } from "./loopStream";
import { PendingWrites } from "./pendingWrites";
import { applyCommandWrites, applyNewInput, inheritResume, writeCommandInput } from "./runInput";

/** The compiled graph as the loop sees it. */
export interface GraphSpec {
  nodes: ReadonlyMap<string, PregelNode>;
  /** Empty channel prototypes, one per channel name. */
  channels: Record<string, BaseChannel>;
  stateKeys: readonly string[];
  /** Every channel that schedules a node (node triggers and the Send topic). */
  triggerChannels: ReadonlySet<string>;
  /** The builder's nodes and edges, for `getGraph()`. */
  structure?: GraphStructure;
  /** What `invoke` returns, when an output schema narrows the state. */
  outputKeys?: readonly string[];
  checkpointer?: BaseCheckpointSaver;
  interruptBefore: readonly string[] | "*";
  interruptAfter: readonly string[] | "*";
  /** Command.goto / update → writes of the null task (shared with node writers). */
  commandWrites(command: Command): PendingWrite[];
}

export type LoopStatus = "pending" | "done" | "interrupt_before" | "interrupt_after" | "interrupted" | "out_of_steps";

export class PregelLoop {
  status: LoopStatus = "pending";
  tasks: algo.Task[] = [];
  interrupts: Interrupt[] = [];
  readonly stop: number;
  private readonly ns: string;
  private readonly saver?: BaseCheckpointSaver;
  private readonly saving: CheckpointSaving;
  private readonly pending: PendingWrites;
  /** Metadata and parent of the current checkpoint (for `checkpoints` stream events). */
  private metadata?: CheckpointMetadata;
  private parentConfig?: CheckpointConfig;
  private loadedParent?: CheckpointConfig;
  /** This run continues saved work (null / Command input, or a subgraph whose parent resumes). */
  private resuming = false;
  /** `Command({ resume: { [interruptId]: value } })`: passed on to subgraphs, whose interrupts it may address. */
  private resumeMap?: Record<string, unknown>;

  private constructor(
    readonly spec: GraphSpec,
    readonly config: RunnableConfig,
    readonly emitter: StreamEmitter,
    public checkpoint: Checkpoint,
    readonly channels: Record<string, BaseChannel>,
    public step: number,
    pendingWrites: CheckpointPendingWrite[],
    savedConfig: CheckpointConfig,
    private readonly nest?: NestContext,
  ) {
    this.ns = config.configurable?.checkpoint_ns ?? "";
    this.saver = spec.checkpointer;
    this.stop = step + (config.recursionLimit ?? DEFAULT_RECURSION_LIMIT) + 1;
    // LangGraph's default: a step's checkpoint is saved while the next step runs; finish() awaits every save.
    const durability = config.durability ?? "async";
    this.saving = new CheckpointSaving(this.saver, durability, savedConfig, checkpoint.channel_versions);
    this.pending = new PendingWrites(pendingWrites);
  }

  /** Addresses the current checkpoint (the one the next step starts from). */
  private get checkpointConfig(): CheckpointConfig {
    return this.saving.current;
  }

  private get nextVersion(): (current: number | undefined) => number {
    return this.saving.nextVersion;
  }

  static async create(
    spec: GraphSpec,
    input: unknown,
    config: RunnableConfig,
    emitter: StreamEmitter,
    nest?: NestContext,
  ): Promise<PregelLoop> {
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
    const saved = spec.checkpointer ? await spec.checkpointer.getTuple(config) : undefined;
    if (spec.checkpointer && checkpoint_id !== undefined && !saved) {
      throw new GraphError(
        `Checkpoint "${checkpoint_id}" does not exist on thread "${thread_id}".`,
        "CHECKPOINT_NOT_FOUND",
      );
    }
    const checkpoint = saved?.checkpoint ?? algo.emptyCheckpoint();
    const channels = algo.channelsFromCheckpoint(spec.channels, checkpoint);
    const base: CheckpointConfig = saved?.config ?? { configurable: { thread_id, checkpoint_ns } };
    const loop = new PregelLoop(
      spec,
      config,
      emitter,
      checkpoint,
      channels,
      (saved?.metadata?.step ?? -2) + 1,
      saved?.pendingWrites ?? [],
      base,
      nest,
    );
    if (saved?.metadata) {
      const { thread_id: _thread, ...metadata } = saved.metadata;
      loop.metadata = metadata as CheckpointMetadata;
    }
    // A loaded parent is streamed as stored (LangGraph streams it as the saver returned it).
    if (saved?.parentConfig) loop.loadedParent = loop.parentConfig = saved.parentConfig;
    await loop.first(input, saved?.metadata);
    return loop;
  }

  /** Maps the input: new input → an `input` checkpoint; null / Command → resume (or fork from an older checkpoint). */
  private async first(input: unknown, savedMetadata: CheckpointMetadata | undefined): Promise<void> {
    if (isCommand(input)) {
      // Stored as writes so a crash before the next step keeps them.
      const { wrote, resumeMap } = await writeCommandInput(
        this.spec.commandWrites(input),
        input.resume,
        this.pending,
        this.saving,
      );
      if (resumeMap) this.resumeMap = resumeMap;
      if (input.resume === undefined) {
        if (!wrote) throw new EmptyInputError("Received an empty Command: give it resume, update or goto.");
        // A Command that only updates / routes is new input: applied, then saved as an `input` checkpoint.
        applyCommandWrites(this.pending, this.checkpoint, this.channels, this.nextVersion);
        algo.markInterruptSeen(this.checkpoint);
        this.pending.clear();
        await this.putCheckpoint("input");
        return;
      }
    }
    const hasState = Object.keys(this.checkpoint.channel_versions).length > 0;
    // A subgraph whose parent resumes continues its saved run; its input is the parent's state, not new input.
    const resuming =
      hasState && (input === null || input === undefined || isCommand(input) || this.nest?.resuming === true);
    this.resuming = resuming;
    if (resuming && this.nest) {
      if (this.nest.resumeMap) this.resumeMap = this.nest.resumeMap;
      await inheritResume(this.nest, this.pending, this.saving);
    }
    if (resuming) {
      if (input == null && this.config.configurable?.checkpoint_id !== undefined && this.saver)
        await this.forkIfNotHead(savedMetadata);
      algo.markInterruptSeen(this.checkpoint);
      applyCommandWrites(this.pending, this.checkpoint, this.channels, this.nextVersion);
      this.emitter.emit("values", this.values());
    } else if (input !== null && input !== undefined && !isCommand(input)) {
      applyNewInput(input, this.spec, this.checkpoint, this.channels, this.step, this.ns, this.nextVersion);
      this.pending.clear();
      await this.putCheckpoint("input");
    } else {
      throw new EmptyInputError();
    }
  }

  /** Plans the next step. False when the run is over (done, breakpoint, or out of steps). */
  async tick(): Promise<boolean> {
    if (this.step > this.stop) {
      this.status = "out_of_steps";
      return false;
    }
    this.tasks = algo.prepareNextTasks(
      this.checkpoint,
      this.channels,
      this.spec.nodes,
      this.spec.stateKeys,
      this.step,
      this.ns,
    );
    this.emitCheckpoint();
    if (this.tasks.length === 0) {
      this.status = "done";
      return false;
    }
    algo.attachPendingWrites(this.tasks, this.pending.list);
    if (this.tasks.every((t) => t.writes.length > 0)) {
      emitCachedUpdates(this.emitter, this.tasks, this.spec.stateKeys);
      await this.afterTick();
      return this.status === "pending" && this.tick();
    }
    if (algo.shouldInterrupt(this.checkpoint, this.config.interruptBefore ?? this.spec.interruptBefore, this.tasks)) {
      this.status = "interrupt_before";
      return false;
    }
    emitCachedUpdates(this.emitter, this.tasks, this.spec.stateKeys);
    emitTaskStarts(this.emitter, this.step, this.tasks, this.config);
    return true;
  }

  /** `checkpoints` / `debug`: the checkpoint the next step starts from, with the tasks planned from it. */
  private emitCheckpoint(): void {
    if (!this.saver || !this.emitter.wantsCheckpoints()) return;
    const at = {
      config: this.checkpointConfig,
      parentConfig: this.parentConfig,
      loadedParent: this.loadedParent,
      metadata: this.metadata,
      values: this.values(),
    };
    this.emitter.emitCheckpoint(
      this.step - 1,
      checkpointEvent(this.config, at, this.tasks, this.pending.list, this.spec.stateKeys),
    );
  }

  /** Tasks that still have to run this step (finished ones kept their stored writes). */
  runnable(): algo.Task[] {
    return this.tasks.filter((t) => t.writes.length === 0);
  }

  async afterTick(): Promise<void> {
    algo.applyWrites(this.checkpoint, this.channels, this.tasks, this.nextVersion, this.spec.triggerChannels);
    // A values chunk only when the step wrote state (a step of nodes that wrote nothing repeats no state).
    if (this.tasks.some((t) => t.writes.some(([chan]) => this.spec.stateKeys.includes(chan))))
      this.emitter.emit("values", this.values());
    this.pending.clear();
    await this.putCheckpoint("loop");
    if (algo.shouldInterrupt(this.checkpoint, this.config.interruptAfter ?? this.spec.interruptAfter, this.tasks))
      this.status = "interrupt_after";
  }

  interrupted(interrupts: Interrupt[]): void {
    this.status = "interrupted";
    this.interrupts = interrupts;
  }

  /** At a stop: the state with finished tasks' writes (interrupt), or an empty interrupt (breakpoint), as LangGraph streams them. */
  emitStop(): void {
    if (this.status === "interrupted") {
      if (this.tasks.some((t) => t.writes.some(([chan]) => this.spec.stateKeys.includes(chan))))
        this.emitter.emit("values", this.valuesWithFinishedTasks());
    } else if (this.status === "interrupt_before" || this.status === "interrupt_after") {
      this.emitter.emit("updates", { [INTERRUPT]: [] });
      this.emitter.emit("values", { [INTERRUPT]: [] });
    }
  }

  values(): Record<string, unknown> {
    return algo.readState(this.channels, this.spec.stateKeys);
  }

  /** The state plus the writes of this step's tasks that already finished (what an interrupted run returns). */
  valuesWithFinishedTasks(): Record<string, unknown> {
    const done = this.tasks.filter((t) => t.writes.length > 0);
    if (done.length === 0) return this.values();
    return algo.readStateWithWrites(
      this.checkpoint,
      this.channels,
      done,
      this.spec.stateKeys,
      this.spec.triggerChannels,
    );
  }

  stepEnv(): StepEnv {
    return {
      step: this.step,
      ns: this.ns,
      config: { ...this.config, configurable: { ...this.config.configurable, ...this.checkpointConfig.configurable } },
      ...(this.config.signal ? { runSignal: this.config.signal } : {}),
      hasCheckpointer: this.saver !== undefined,
      nested: this.nest !== undefined,
      nestFor: (task, signal) => ({
        ns: taskNamespace(this.ns, task.name, task.id),
        ...(this.checkpointConfig.configurable?.thread_id !== undefined
          ? { threadId: this.checkpointConfig.configurable.thread_id }
          : {}),
        ...(this.saver ? { checkpointer: this.saver } : {}),
        checkpointMap: { ...this.nest?.checkpointMap, [this.ns]: this.checkpoint.id },
        resuming: this.resuming,
        nullResume: () => this.pending.nullResume(),
        ...(this.resumeMap ? { resumeMap: this.resumeMap } : {}),
        emitter: this.emitter,
        signal,
        config: this.config,
        counter: 0,
      }),
      emitter: this.emitter,
      channels: this.channels,
      stateKeys: this.spec.stateKeys,
      resumeOf: (taskId) => this.pending.resumeOf(taskId),
      nullResume: () => this.pending.nullResume(),
      saveWrites: async (taskId, writes) => {
        this.pending.add(taskId, writes);
        await this.saving.putTaskWrites(taskId, writes);
      },
    };
  }

  /** Waits for background saves; with `exit` durability, saves the final checkpoint and any pending writes now. */
  finish(): Promise<void> {
    return this.saving.finish();
  }

  private async putCheckpoint(source: CheckpointMetadata["source"]): Promise<void> {
    const thread_id = this.checkpointConfig.configurable?.thread_id;
    const forSaver = algo.createCheckpoint(this.checkpoint, this.channels);
    // The saver keeps its object; the loop goes on mutating its own copy of the (small) version maps.
    this.checkpoint = {
      ...forSaver,
      channel_versions: { ...forSaver.channel_versions },
      versions_seen: { ...forSaver.versions_seen },
    };
    for (const [node, seen] of Object.entries(this.checkpoint.versions_seen))
      this.checkpoint.versions_seen[node] = { ...seen };
    const userMetadata = (this.config.metadata as Record<string, unknown> | undefined) ?? {};
    const streamed: CheckpointMetadata = {
      ...userMetadata,
      source,
      step: this.step,
      parents: { ...this.nest?.checkpointMap },
    };
    const metadata: CheckpointMetadata = { ...streamed, ...threadMetadata(thread_id) };
    this.parentConfig =
      this.checkpointConfig.configurable?.checkpoint_id !== undefined ? this.checkpointConfig : undefined;
    this.metadata = streamed;
    await this.saving.put(forSaver, metadata);
    this.step++;
  }

  /** `invoke(null, { checkpoint_id: X })` with X not the head: a `fork` checkpoint under X, then run from it. */
  private async forkIfNotHead(savedMetadata: CheckpointMetadata | undefined): Promise<void> {
    const target = this.checkpointConfig;
    const forked = await this.saving.forkIfNotHead(this.config, this.checkpoint, this.step, savedMetadata);
    if (!forked) return;
    const { fork, streamed } = forked;
    this.parentConfig = target;
    this.metadata = streamed;
    this.step++;
    this.checkpoint = {
      ...fork,
      channel_versions: { ...fork.channel_versions },
      versions_seen: structuredClone(fork.versions_seen),
    };
    // The fork re-runs what follows X: X's pending writes stay with X.
    this.pending.clear();
  }
}
