/**
 * The per-run state machine (LangGraph `pregel/loop.ts`): loads the thread, maps the input, plans each step
 * (`tick`), applies its writes and saves a checkpoint (`afterTick`), and flushes what durability deferred.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type {
  ChannelVersions,
  Checkpoint,
  CheckpointConfig,
  CheckpointMetadata,
  CheckpointPendingWrite,
  PendingWrite,
} from "../../checkpoint/types";
import type { BaseChannel } from "../channels";
import type { GraphStructure } from "../drawing";
import { isCommand, type Command } from "../command";
import { DEFAULT_RECURSION_LIMIT, INPUT, INTERRUPT, NULL_TASK_ID, RESUME, START } from "../constants";
import { EmptyInputError, GraphError, InvalidUpdateError } from "../errors";
import type { Durability, Interrupt, RunnableConfig } from "../types";
import * as algo from "./algo";
import type { PregelNode } from "./node";
import type { StepEnv } from "./runner";
import type { StreamEmitter } from "./stream";
import { taskNamespace, type NestContext } from "./subgraph";

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
  private readonly durability: Durability;
  private readonly saver?: BaseCheckpointSaver;
  /** Addresses the current checkpoint (the one the next step starts from). */
  private checkpointConfig: CheckpointConfig;
  /** Last checkpoint actually handed to the saver, and its versions (for `exit` durability and `newVersions`). */
  private savedConfig: CheckpointConfig;
  private savedVersions: ChannelVersions;
  private unsaved?: { checkpoint: Checkpoint; metadata: CheckpointMetadata };
  /** Metadata and parent of the current checkpoint (for `checkpoints` stream events). */
  private metadata?: CheckpointMetadata;
  private parentConfig?: CheckpointConfig;
  private loadedParent?: CheckpointConfig;
  private bufferedWrites: [string, PendingWrite[]][] = [];
  private background: Promise<unknown> = Promise.resolve();
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
    private pendingWrites: CheckpointPendingWrite[],
    savedConfig: CheckpointConfig,
    private readonly nest?: NestContext,
  ) {
    this.ns = config.configurable?.checkpoint_ns ?? "";
    this.saver = spec.checkpointer;
    // LangGraph's default: a step's checkpoint is saved while the next step runs; finish() awaits every save.
    this.durability = config.durability ?? "async";
    this.stop = step + (config.recursionLimit ?? DEFAULT_RECURSION_LIMIT) + 1;
    this.checkpointConfig = savedConfig;
    this.savedConfig = savedConfig;
    this.savedVersions = { ...checkpoint.channel_versions };
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
      const wrote = await this.writeCommand(input);
      if (input.resume === undefined) {
        if (!wrote) throw new EmptyInputError("Received an empty Command: give it resume, update or goto.");
        // A Command that only updates / routes is new input: applied, then saved as an `input` checkpoint.
        this.applyNullWrites();
        algo.markInterruptSeen(this.checkpoint);
        this.pendingWrites = [];
        await this.putCheckpoint("input");
        return;
      }
    }
    const hasState = Object.keys(this.checkpoint.channel_versions).length > 0;
    // A subgraph whose parent resumes continues its saved run; its input is the parent's state, not new input.
    const resuming =
      hasState && (input === null || input === undefined || isCommand(input) || this.nest?.resuming === true);
    this.resuming = resuming;
    if (resuming && this.nest) await this.inheritResume(this.nest);
    if (resuming) {
      if (input == null && this.config.configurable?.checkpoint_id !== undefined && this.saver)
        await this.forkIfNotHead(savedMetadata);
      algo.markInterruptSeen(this.checkpoint);
      this.applyNullWrites();
      this.emitter.emit("values", this.values());
    } else if (input !== null && input !== undefined && !isCommand(input)) {
      if (typeof input !== "object" || Array.isArray(input)) {
        throw new InvalidUpdateError(
          `Graph input must be an object of state keys (or null to resume), got ${JSON.stringify(input)}.`,
          "INVALID_INPUT",
        );
      }
      // New input discards tasks left unfinished on the thread (LangGraph's behaviour).
      const discarded = algo.prepareNextTasks(
        this.checkpoint,
        this.channels,
        this.spec.nodes,
        this.spec.stateKeys,
        this.step,
        this.ns,
      );
      algo.applyWrites(
        this.checkpoint,
        this.channels,
        [...discarded, { name: INPUT, triggers: [], writes: [[START, input]] }],
        this.nextVersion,
        this.spec.triggerChannels,
      );
      this.pendingWrites = [];
      await this.putCheckpoint("input");
    } else {
      throw new EmptyInputError();
    }
  }

  /** Applies the writes a `Command` given as input stored (its update and goto). */
  private applyNullWrites(): void {
    const nullWrites = this.pendingWrites.filter(([id, chan]) => id === NULL_TASK_ID && chan !== RESUME);
    if (nullWrites.length === 0) return;
    const writes = nullWrites.map(([, chan, value]): PendingWrite => [chan, value]);
    algo.applyWrites(this.checkpoint, this.channels, [{ name: INPUT, triggers: [], writes }], this.nextVersion);
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
    algo.attachPendingWrites(this.tasks, this.pendingWrites);
    if (this.tasks.every((t) => t.writes.length > 0)) {
      this.emitCachedUpdates();
      await this.afterTick();
      return this.status === "pending" && this.tick();
    }
    if (algo.shouldInterrupt(this.checkpoint, this.config.interruptBefore ?? this.spec.interruptBefore, this.tasks)) {
      this.status = "interrupt_before";
      return false;
    }
    this.emitCachedUpdates();
    if (this.emitter.wantsTasks()) {
      for (const task of this.tasks) {
        if (task.node.hidden) continue;
        this.emitter.emitTask(this.step, {
          id: task.id,
          name: task.name,
          input: task.input,
          triggers: task.triggers,
          interrupts: [],
          ...this.taskMetadata(),
        });
      }
    }
    return true;
  }

  /** `updates` for tasks that finished in an earlier run (their writes were saved), marked as cached. */
  private emitCachedUpdates(): void {
    if (!this.emitter.wants("updates")) return;
    for (const task of this.tasks) {
      if (task.node.hidden || task.writes.length === 0) continue;
      this.emitter.emit("updates", {
        [task.name]: algo.stateUpdate(this.spec.stateKeys, task.writes) ?? {},
        __metadata__: { cached: true },
      });
    }
  }

  /** The run's own metadata and tags, as LangGraph attaches them to task events. */
  private taskMetadata(): { metadata?: Record<string, unknown> } {
    const metadata: Record<string, unknown> = { ...(this.config.metadata as Record<string, unknown> | undefined) };
    if (this.config.tags?.length) metadata.tags = this.config.tags;
    return Object.keys(metadata).length ? { metadata } : {};
  }

  /** `checkpoints` / `debug`: the checkpoint the next step starts from, with the tasks planned from it. */
  private emitCheckpoint(): void {
    if (!this.saver || !this.emitter.wantsCheckpoints()) return;
    this.emitter.emitCheckpoint(this.step - 1, {
      config: this.streamedConfig(this.checkpointConfig),
      values: this.values(),
      metadata: this.metadata,
      next: this.tasks.map((t) => t.name),
      tasks: algo.tasksWithWrites(this.tasks, this.pendingWrites, this.spec.stateKeys),
      ...(this.parentConfig
        ? {
            parentConfig:
              this.parentConfig === this.loadedParent
                ? { configurable: this.parentConfig.configurable }
                : this.streamedConfig(this.parentConfig),
          }
        : {}),
    });
  }

  /** A checkpoint's config as LangGraph streams it: the run's configurable, metadata, limit and tags. */
  private streamedConfig(checkpoint: CheckpointConfig): Record<string, unknown> {
    const configurable = { ...this.config.configurable, ...checkpoint.configurable };
    const metadata = {
      ...(this.config.metadata as Record<string, unknown> | undefined),
      ...threadMetadata(configurable.thread_id),
    };
    return {
      configurable,
      metadata,
      recursion_limit: this.config.recursionLimit ?? DEFAULT_RECURSION_LIMIT,
      tags: this.config.tags ?? [],
    };
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
    this.pendingWrites = [];
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
    const channels: Record<string, BaseChannel> = {};
    for (const [name, channel] of Object.entries(this.channels))
      channels[name] = channel.fromCheckpoint(channel.checkpoint());
    const scratch = {
      ...this.checkpoint,
      channel_versions: { ...this.checkpoint.channel_versions },
      versions_seen: {},
    };
    algo.applyWrites(scratch, channels, done, (v) => (v ?? 0) + 1, this.spec.triggerChannels);
    return algo.readState(channels, this.spec.stateKeys);
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
        nullResume: () => {
          const found = this.pendingWrites.find(([id, chan]) => id === NULL_TASK_ID && chan === RESUME);
          return found ? { value: found[2] } : undefined;
        },
        ...(this.resumeMap ? { resumeMap: this.resumeMap } : {}),
        emitter: this.emitter,
        signal,
        config: this.config,
        counter: 0,
      }),
      emitter: this.emitter,
      channels: this.channels,
      stateKeys: this.spec.stateKeys,
      resumeOf: (taskId) => {
        const found = this.pendingWrites.find(([id, chan]) => id === taskId && chan === RESUME);
        return found ? (found[2] as unknown[]) : [];
      },
      nullResume: () => {
        const found = this.pendingWrites.find(([id, chan]) => id === NULL_TASK_ID && chan === RESUME);
        return found ? { value: found[2] } : undefined;
      },
      saveWrites: (taskId, writes) => this.saveWrites(taskId, writes),
    };
  }

  /** Waits for background saves; with `exit` durability, saves the final checkpoint and any pending writes now. */
  async finish(): Promise<void> {
    await this.background;
    if (!this.saver || !this.unsaved) return;
    const { checkpoint, metadata } = this.unsaved;
    this.unsaved = undefined;
    const config = await this.saver.put(
      this.savedConfig,
      checkpoint,
      metadata,
      algo.changedVersions(this.savedVersions, checkpoint.channel_versions),
    );
    for (const [taskId, writes] of this.bufferedWrites) await this.saver.putWrites(config, writes, taskId);
    this.bufferedWrites = [];
  }

  private readonly nextVersion = (current: number | undefined): number =>
    this.saver ? this.saver.getNextVersion(current) : (current ?? 0) + 1;

  private async saveWrites(taskId: string, writes: PendingWrite[]): Promise<void> {
    for (const [chan, value] of writes) this.pendingWrites.push([taskId, chan, value]);
    if (!this.saver || writes.length === 0) return;
    if (this.durability === "exit") this.bufferedWrites.push([taskId, writes]);
    else await this.saver.putWrites(this.checkpointConfig, writes, taskId);
  }

  private async putCheckpoint(source: CheckpointMetadata["source"]): Promise<void> {
    const { thread_id, checkpoint_ns = "" } = this.checkpointConfig.configurable ?? {};
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
    this.checkpointConfig = { configurable: { thread_id, checkpoint_ns, checkpoint_id: forSaver.id } };
    if (this.saver && this.durability !== "exit") {
      const newVersions = algo.changedVersions(this.savedVersions, forSaver.channel_versions);
      const put = this.saver.put(this.savedConfig, forSaver, metadata, newVersions);
      this.savedConfig = this.checkpointConfig;
      this.savedVersions = forSaver.channel_versions;
      if (this.durability === "sync") await put;
      else this.background = Promise.all([this.background, put]);
    } else if (this.saver) {
      this.unsaved = { checkpoint: forSaver, metadata };
      this.bufferedWrites = [];
    }
    this.step++;
  }

  /** `invoke(null, { checkpoint_id: X })` with X not the head: a `fork` checkpoint under X, then run from it. */
  private async forkIfNotHead(savedMetadata: CheckpointMetadata | undefined): Promise<void> {
    const { thread_id, checkpoint_ns = "" } = this.config.configurable ?? {};
    const head = await this.saver!.getTuple({ configurable: { thread_id, checkpoint_ns } });
    if (head?.checkpoint.id === this.checkpoint.id) return;
    const fork = algo.createCheckpoint(this.checkpoint, undefined);
    // The fork is a step of its own, one after its target's (as LangGraph numbers it).
    const metadata: CheckpointMetadata = {
      source: "fork",
      step: this.step,
      parents: savedMetadata?.parents ?? {},
      ...threadMetadata(thread_id),
    };
    this.parentConfig = this.checkpointConfig;
    const { thread_id: _thread, ...streamed } = metadata;
    this.metadata = streamed as CheckpointMetadata;
    this.checkpointConfig = await this.saver!.put(this.savedConfig, fork, metadata, {});
    this.step++;
    this.savedConfig = this.checkpointConfig;
    this.checkpoint = {
      ...fork,
      channel_versions: { ...fork.channel_versions },
      versions_seen: structuredClone(fork.versions_seen),
    };
    // The fork re-runs what follows X: X's pending writes stay with X.
    this.pendingWrites = [];
  }

  /** `Command({ resume, update, goto })` as input: stored as writes so a crash before the next step keeps them. */
  private async writeCommand(command: Command): Promise<boolean> {
    const writes: CheckpointPendingWrite[] = this.spec
      .commandWrites(command)
      .map(([chan, value]) => [NULL_TASK_ID, chan, value]);
    if (command.resume !== undefined) writes.push(...this.resumeWrites(command.resume));
    if (writes.length === 0) return false;
    const byTask = new Map<string, PendingWrite[]>();
    for (const [taskId, chan, value] of writes) {
      // A new resume value replaces an earlier unused one.
      this.pendingWrites = this.pendingWrites.filter(([id, c]) => !(chan === RESUME && id === taskId && c === RESUME));
      this.pendingWrites.push([taskId, chan, value]);
      byTask.set(taskId, [...(byTask.get(taskId) ?? []), [chan, value]]);
    }
    if (this.saver && this.checkpointConfig.configurable?.checkpoint_id !== undefined) {
      for (const [taskId, taskWrites] of byTask) await this.saver.putWrites(this.checkpointConfig, taskWrites, taskId);
    }
    return true;
  }

  /**
   * A resuming subgraph takes over its parent's resume: the parent's unused `Command({ resume })` value goes to
   * the subgraph's next `interrupt()`, and values keyed by the ids of the subgraph's own interrupts go to them.
   */
  private async inheritResume(nest: NestContext): Promise<void> {
    const writes: CheckpointPendingWrite[] = [];
    const nullResume = nest.nullResume();
    if (nest.resumeMap) {
      const owned = new Set<string>();
      for (const [, chan, value] of this.pendingWrites)
        if (chan === INTERRUPT) for (const found of value as Interrupt[]) owned.add(found.id);
      const mine = Object.fromEntries(Object.entries(nest.resumeMap).filter(([id]) => owned.has(id)));
      if (Object.keys(mine).length) writes.push(...this.resumeWrites(mine));
    } else if (nullResume) writes.push([NULL_TASK_ID, RESUME, nullResume.value]);
    if (nest.resumeMap) this.resumeMap = nest.resumeMap;
    for (const [taskId, chan, value] of writes) {
      this.pendingWrites = this.pendingWrites.filter(([id, c]) => !(c === RESUME && id === taskId));
      this.pendingWrites.push([taskId, chan, value]);
      if (this.saver && this.checkpointConfig.configurable?.checkpoint_id !== undefined)
        await this.saver.putWrites(this.checkpointConfig, [[chan, value]], taskId);
    }
  }

  /** `resume` keyed by interrupt ids goes to those tasks; anything else goes to the next `interrupt()` call. */
  private resumeWrites(resume: unknown): CheckpointPendingWrite[] {
    const owners = new Map<string, string>();
    for (const [taskId, chan, value] of this.pendingWrites) {
      if (chan === INTERRUPT) for (const found of value as Interrupt[]) owners.set(found.id, taskId);
    }
    const keys = typeof resume === "object" && resume !== null && !Array.isArray(resume) ? Object.keys(resume) : [];
    if (keys.length === 0 || !keys.every((key) => owners.has(key))) return [[NULL_TASK_ID, RESUME, resume]];
    this.resumeMap = resume as Record<string, unknown>;
    const out: CheckpointPendingWrite[] = [];
    for (const key of keys) {
      const taskId = owners.get(key)!;
      const prior = this.pendingWrites.find(([id, chan]) => id === taskId && chan === RESUME);
      out.push([taskId, RESUME, [...((prior?.[2] as unknown[]) ?? []), (resume as Record<string, unknown>)[key]]]);
    }
    return out;
  }
}

/** Checkpoint metadata names its thread, as LangGraph's does. */
export function threadMetadata(threadId: string | undefined): { thread_id?: string } {
  return threadId === undefined ? {} : { thread_id: threadId };
}
