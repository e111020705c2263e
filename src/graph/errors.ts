import type { Interrupt } from "./types";

/** Every runtime error: a stable `name` and a stable `code` the UI can map to a message. */
export class GraphError extends Error {
  override name = "GraphError";
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The run took more supersteps than `recursionLimit` (default 25). */
export class GraphRecursionError extends GraphError {
  override name = "GraphRecursionError";
  constructor(readonly limit: number) {
    super(
      `Recursion limit of ${limit} reached without hitting a stop condition. Raise it with config.recursionLimit if the graph is meant to loop this long.`,
      "GRAPH_RECURSION_LIMIT",
    );
  }
}

/** A write the state cannot take: two values for a last-value key in one step, or a malformed node return. */
export class InvalidUpdateError extends GraphError {
  override name = "InvalidUpdateError";
  constructor(message: string, code = "INVALID_CONCURRENT_GRAPH_UPDATE") {
    super(message, code);
  }
}

/** Thrown by `interrupt()` inside a node; the runtime catches it and stops the run resumably. */
export class GraphInterrupt extends GraphError {
  override name = "GraphInterrupt";
  constructor(readonly interrupts: Interrupt[] = []) {
    super(
      `Graph interrupted${interrupts.length ? `: ${JSON.stringify(interrupts.map((i) => i.value))}` : ""}`,
      "GRAPH_INTERRUPT",
    );
  }
}

/** A value the graph cannot work with (LangGraph `GraphValueError`), e.g. `interrupt()` without a checkpointer. */
export class GraphValueError extends GraphError {
  override name = "GraphValueError";
}

/** `invoke(null)` on a thread with nothing to resume. */
export class EmptyInputError extends GraphError {
  override name = "EmptyInputError";
  constructor(
    message = "Received no input and there is no checkpoint to resume: pass an input, or a thread_id that has state.",
  ) {
    super(message, "EMPTY_INPUT");
  }
}

/** A checkpointer is configured but the config names no thread. */
export class MissingThreadIdError extends GraphError {
  override name = "MissingThreadIdError";
  constructor(method: string) {
    super(
      `${method}: this graph has a checkpointer, so config.configurable.thread_id is required, e.g. { configurable: { thread_id: "1" } }.`,
      "MISSING_THREAD_ID",
    );
  }
}

/** The graph's structure is wrong (unknown node, no entry point…); raised by `compile()` or the builder. */
export class InvalidGraphError extends GraphError {
  override name = "InvalidGraphError";
  constructor(message: string) {
    super(message, "INVALID_GRAPH");
  }
}

/** A node no edge leads to (LangGraph `UnreachableNodeError`), raised by `compile()`. */
export class UnreachableNodeError extends InvalidGraphError {
  override name = "UnreachableNodeError";
  override readonly code = "UNREACHABLE_NODE";
}

/** An option, stream mode or node option Skein's runtime does not support (it is never silently ignored). */
export class UnsupportedOptionError extends GraphError {
  override name = "UnsupportedOptionError";
  constructor(message: string) {
    super(message, "UNSUPPORTED_OPTION");
  }
}

/** The run was stopped through `config.signal`. The thread stays resumable with `invoke(null, config)`. */
export class GraphAbortError extends GraphError {
  // "AbortError" is what fetch, the SDK and DOM code test for.
  override name = "AbortError";
  constructor(reason?: unknown) {
    super("The run was aborted.", "ABORTED", { cause: reason });
  }
}

/** Reading a channel that holds no value (internal; never escapes a run). */
export class EmptyChannelError extends GraphError {
  override name = "EmptyChannelError";
  constructor() {
    super("Channel is empty.", "EMPTY_CHANNEL");
  }
}
