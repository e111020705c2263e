import type { PendingWrite } from "../../checkpoint/types";
import type { BaseChannel } from "../channels";
import type { NodeConfig } from "../types";
import type { RetryPolicy } from "./retry";
import type { AnyCompiledGraph } from "./subgraphState";

/** What a task's writers may consult while turning a node's output into writes. */
export interface WriteContext {
  config: NodeConfig;
  /** The state as it will be after this task's own writes (what routers read). */
  readFresh(writes: PendingWrite[]): Record<string, unknown>;
  /** What the writers produced so far (kept with the error when a router throws). */
  written: PendingWrite[];
}

/** A node as the Pregel loop runs it: triggers, the user function, and the writers that follow it. */
export interface PregelNode {
  name: string;
  /** Channels whose new versions schedule this node. */
  triggers: string[];
  /** Hidden from `"*"` breakpoints and from the `updates` stream (the START node). */
  hidden?: boolean;
  /** Retry the node (with its writers and routers) when it fails. */
  retryPolicy?: RetryPolicy;
  /** Input other than the state (START reads the input channel). */
  readInput?: (channels: Record<string, BaseChannel>) => unknown;
  run(input: unknown, config: NodeConfig): unknown;
  /** Node output → channel writes: state updates, edges, router decisions, `Command.goto`, `Send`s. */
  writes(output: unknown, ctx: WriteContext): Promise<PendingWrite[]>;
  /** The part of the output shown in the `updates` stream. */
  updateOf(output: unknown): unknown;
  /** The compiled graph this node runs (a subgraph node): its state shows in `getState(…, { subgraphs: true })`. */
  subgraph?: AnyCompiledGraph;
}
