import type { BaseCheckpointSaver } from "../../../checkpoint/base";
import type {
  ChannelVersions,
  Checkpoint,
  CheckpointConfig,
  CheckpointMetadata,
  PendingWrite,
} from "../../../checkpoint/types";
import type { Durability, RunnableConfig } from "../../types";
import * as algo from "../algo";

/**
 * What a run hands its saver, as its durability says: `sync` awaits each step's checkpoint, `async` (LangGraph's
 * default) saves it while the next step runs, `exit` keeps only the last checkpoint and the writes made on it,
 * saved by `finish`. Without a saver it only tracks the address of the current checkpoint.
 */
export class CheckpointSaving {
  /** Addresses the current checkpoint (the one the next step starts from). */
  current: CheckpointConfig;
  /** Last checkpoint actually handed to the saver, and its versions (for `exit` durability and `newVersions`). */
  private saved: CheckpointConfig;
  private savedVersions: ChannelVersions;
  private unsaved?: { checkpoint: Checkpoint; metadata: CheckpointMetadata };
  private bufferedWrites: [string, PendingWrite[]][] = [];
  private background: Promise<unknown> = Promise.resolve();

  constructor(
    readonly saver: BaseCheckpointSaver | undefined,
    private readonly durability: Durability,
    savedConfig: CheckpointConfig,
    savedVersions: ChannelVersions,
  ) {
    this.current = savedConfig;
    this.saved = savedConfig;
    this.savedVersions = { ...savedVersions };
  }

  /** The saver's next channel version (a plain counter without one). */
  readonly nextVersion = (current: number | undefined): number =>
    this.saver ? this.saver.getNextVersion(current) : (current ?? 0) + 1;

  /** A step's checkpoint: `current` addresses it from now on, and the saver gets it as durability says. */
  async put(checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<void> {
    const { thread_id, checkpoint_ns = "" } = this.current.configurable ?? {};
    this.current = { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
    if (this.saver && this.durability !== "exit") {
      const newVersions = algo.changedVersions(this.savedVersions, checkpoint.channel_versions);
      const put = this.saver.put(this.saved, checkpoint, metadata, newVersions);
      this.saved = this.current;
      this.savedVersions = checkpoint.channel_versions;
      if (this.durability === "sync") await put;
      else this.background = Promise.all([this.background, put]);
    } else if (this.saver) {
      this.unsaved = { checkpoint, metadata };
      this.bufferedWrites = [];
    }
  }

  /**
   * `invoke(null, { checkpoint_id: X })` with X not the thread's head (`checkpoint` is X, `step` the one after
   * X's): saves a `fork` checkpoint under X now, whatever the durability, and the run continues from it.
   * Returns the fork and its metadata as streamed; undefined when X is the head.
   */
  async forkIfNotHead(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    step: number,
    savedMetadata: CheckpointMetadata | undefined,
  ): Promise<{ fork: Checkpoint; streamed: CheckpointMetadata } | undefined> {
    const { thread_id, checkpoint_ns = "" } = config.configurable ?? {};
    const head = await this.saver!.getTuple({ configurable: { thread_id, checkpoint_ns } });
    if (head?.checkpoint.id === checkpoint.id) return undefined;
    const fork = algo.createCheckpoint(checkpoint, undefined);
    // The fork is a step of its own, one after its target's (as LangGraph numbers it).
    const metadata: CheckpointMetadata = {
      source: "fork",
      step,
      parents: savedMetadata?.parents ?? {},
      ...threadMetadata(thread_id),
    };
    const { thread_id: _thread, ...streamed } = metadata;
    this.current = await this.saver!.put(this.saved, fork, metadata, {});
    this.saved = this.current;
    return { fork, streamed: streamed as CheckpointMetadata };
  }

  /** A finished task's writes on the current checkpoint: saved now, or by `finish` under `exit` durability. */
  async putTaskWrites(taskId: string, writes: PendingWrite[]): Promise<void> {
    if (!this.saver || writes.length === 0) return;
    if (this.durability === "exit") this.bufferedWrites.push([taskId, writes]);
    else await this.saver.putWrites(this.current, writes, taskId);
  }

  /**
   * Writes a run's input makes on a saved checkpoint (a Command's resume, update or goto), saved now whatever
   * the durability, so a crash before the next step keeps them.
   */
  async putInputWrites(taskId: string, writes: PendingWrite[]): Promise<void> {
    if (this.saver && this.current.configurable?.checkpoint_id !== undefined)
      await this.saver.putWrites(this.current, writes, taskId);
  }

  /** Waits for background saves; with `exit` durability, saves the final checkpoint and any pending writes now. */
  async finish(): Promise<void> {
    await this.background;
    if (!this.saver || !this.unsaved) return;
    const { checkpoint, metadata } = this.unsaved;
    this.unsaved = undefined;
    const config = await this.saver.put(
      this.saved,
      checkpoint,
      metadata,
      algo.changedVersions(this.savedVersions, checkpoint.channel_versions),
    );
    for (const [taskId, writes] of this.bufferedWrites) await this.saver.putWrites(config, writes, taskId);
    this.bufferedWrites = [];
  }
}

/** Checkpoint metadata names its thread, as LangGraph's does. */
export function threadMetadata(threadId: string | undefined): { thread_id?: string } {
  return threadId === undefined ? {} : { thread_id: threadId };
}
