/**
 * `streamEvents(input, { version: "v2" })`: the LangChain v2 event stream LangGraph.js emits for a graph run —
 * `on_chain_start` / `on_chain_stream` / `on_chain_end` for the graph (its stream chunks are the `updates`
 * chunks) and `on_chain_start` / `on_chain_end` for each node task, with LangGraph's names, tags and metadata.
 * Events LangChain's callback system adds for models, tools and prompts inside nodes (`on_chat_model_stream`…)
 * do not exist here: Skein has no callback system; stream `messages` for tokens.
 */
import { v4 as uuid4 } from "uuid";
import { GraphError } from "../errors";
import type { RunnableConfig } from "../types";

export interface StreamEvent {
  event: "on_chain_start" | "on_chain_stream" | "on_chain_end";
  name: string;
  run_id: string;
  tags: string[];
  metadata: Record<string, unknown>;
  data: { input?: unknown; output?: unknown; chunk?: unknown };
}

/** What the runner reports about a task, for the event stream. */
export interface TaskEventSink {
  (
    phase: "start" | "end",
    task: { id: string; name: string; input: unknown; path: readonly unknown[]; hidden: boolean },
    metadata: Record<string, unknown>,
    step: number,
    output?: unknown,
  ): void;
}

export interface StreamEventsOptions {
  version: "v2";
  /** The graph run's name (default "LangGraph"). */
  runName?: string;
}

export function checkEventOptions(given: object): void {
  const options = given as Record<string, unknown>;
  if (options.version !== "v2") {
    throw new GraphError(
      `streamEvents supports version "v2" (LangGraph.js also has "v1", which Skein does not); got ${JSON.stringify(options.version)}.`,
      "NOT_SUPPORTED",
    );
  }
  for (const key of Object.keys(options)) {
    if (/^(include|exclude)(Names|Types|Tags)$/.test(key)) {
      throw new GraphError(
        `streamEvents option "${key}" (event filtering) is not supported; filter the events you receive instead.`,
        "NOT_SUPPORTED",
      );
    }
  }
}

/** Builds the events of one graph run. */
export class EventBuilder {
  readonly runId = uuid4();
  private readonly taskRuns = new Map<string, string>();
  readonly graphMetadata: Record<string, unknown>;
  readonly tags: string[];

  constructor(
    readonly name: string,
    config: RunnableConfig,
    private readonly push: (event: StreamEvent) => void,
  ) {
    const threadId = config.configurable?.thread_id;
    this.graphMetadata = { ...config.metadata, ...(threadId !== undefined ? { thread_id: threadId } : {}) };
    this.tags = [...(config.tags ?? [])];
  }

  graph(event: "on_chain_start" | "on_chain_stream" | "on_chain_end", data: StreamEvent["data"]): void {
    this.push({
      event,
      name: this.name,
      run_id: this.runId,
      tags: [...this.tags],
      metadata: { ...this.graphMetadata },
      data,
    });
  }

  readonly task: TaskEventSink = (phase, task, metadata, step, output) => {
    let runId = this.taskRuns.get(task.id);
    if (!runId) this.taskRuns.set(task.id, (runId = uuid4()));
    const tags = [`graph:step:${step}`, ...this.tags, ...(task.hidden ? ["langsmith:hidden"] : [])];
    const { langgraph_task_id: _taskId, ...own } = metadata;
    const ns = own.langgraph_checkpoint_ns;
    const meta = {
      ...this.graphMetadata,
      ...own,
      langgraph_path: [...task.path],
      ...(ns !== undefined ? { checkpoint_ns: ns } : {}),
    };
    const data = phase === "start" ? { input: task.input } : { output, input: task.input };
    this.push({
      event: phase === "start" ? "on_chain_start" : "on_chain_end",
      name: task.name,
      run_id: runId,
      tags,
      metadata: meta,
      data,
    });
  };
}
