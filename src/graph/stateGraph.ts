/**
 * The builder (LangGraph `graph/state.ts`): nodes, edges, conditional edges. `compile()` validates the
 * structure and translates it into channels and Pregel nodes for the runnable graph (compileGraph.ts).
 */
import type { BaseCheckpointSaver } from "../checkpoint/base";
import { AnnotationRoot, ChannelAnnotation, type StateDefinition, type StateType, type UpdateType } from "./annotation";
import type { Command, Send } from "./command";
import { compileGraph } from "./compileGraph";
import { END, START } from "./constants";
import { InvalidGraphError } from "./errors";
import { CompiledGraph } from "./pregel";
import { checkOptions } from "./pregel/options";
import { checkRetryPolicy, type RetryPolicy } from "./pregel/retry";
import type { AnyCompiledGraph } from "./pregel/subgraphState";
import type { NodeConfig } from "./types";

type Awaitable<T> = T | Promise<T>;

/** A node: reads the state, returns an update (or a Command, or nothing). */
export type NodeFunction<S, U> = (state: S, config: NodeConfig) => Awaitable<U | Command | null | undefined | void>;

/** A router: returns the next node(s), END, `Send`s, or keys of the path map. */
export type RouterFunction<S> = (state: S, config: NodeConfig) => Awaitable<string | Send | (string | Send)[]>;

/** A conditional edge: its router and, if given, its path map. */
export interface Branch<S> {
  router: RouterFunction<S>;
  pathMap?: Record<string, string>;
}

export interface CompileOptions {
  checkpointer?: BaseCheckpointSaver;
  /** Stop before these nodes run ("*" = every node). */
  interruptBefore?: string[] | "*";
  /** Stop after these nodes run. */
  interruptAfter?: string[] | "*";
}

export interface NodeOptions {
  ends?: string[];
  retryPolicy?: RetryPolicy;
  defer?: boolean;
}

const NODE_OPTIONS = ["ends", "retryPolicy", "defer"];
const COMPILE_OPTIONS = ["checkpointer", "interruptBefore", "interruptAfter"];

/** The runnable graph: nodes read `StateType<SD>`; `invoke` takes `UpdateType<I>` and returns `StateType<O>`. */
export type CompiledStateGraph<
  SD extends StateDefinition,
  I extends StateDefinition = SD,
  O extends StateDefinition = SD,
> = CompiledGraph<StateType<SD>, UpdateType<SD>, UpdateType<I>, StateType<O>>;

/** A state schema: `Annotation.Root({...})` or its plain definition. */
export type StateSchema<SD extends StateDefinition> = AnnotationRoot<SD> | SD;

/** `new StateGraph({ stateSchema?, input?, output? })`: invoke takes `input`'s keys and returns `output`'s. */
export interface StateGraphInit<SD extends StateDefinition, I extends StateDefinition, O extends StateDefinition> {
  stateSchema?: StateSchema<SD>;
  input?: StateSchema<I>;
  output?: StateSchema<O>;
}

const RESERVED = new Set([START, END]);

function definitionOf<D extends StateDefinition>(schema: StateSchema<D>): D {
  return schema instanceof AnnotationRoot ? schema.spec : schema;
}

function isInit(value: unknown): value is StateGraphInit<StateDefinition, StateDefinition, StateDefinition> {
  if (typeof value !== "object" || value === null || value instanceof AnnotationRoot) return false;
  const keys = Object.keys(value);
  return (
    keys.length > 0 &&
    keys.every((key) => key === "stateSchema" || key === "input" || key === "output") &&
    !keys.some((key) => (value as Record<string, unknown>)[key] instanceof ChannelAnnotation)
  );
}

/**
 * How a StateGraph is constructed: `new StateGraph(State)`, `new StateGraph(State, { input, output })`, or
 * `new StateGraph({ stateSchema, input, output })` (without `stateSchema`, the state is input + output).
 */
export interface StateGraphConstructor {
  new <SD extends StateDefinition, I extends StateDefinition = SD, O extends StateDefinition = SD>(
    state: StateSchema<SD>,
    options?: { input?: StateSchema<I>; output?: StateSchema<O> },
  ): StateGraph<SD, I, O>;
  new <SD extends StateDefinition, I extends StateDefinition = SD, O extends StateDefinition = SD>(init: {
    stateSchema: StateSchema<SD>;
    input?: StateSchema<I>;
    output?: StateSchema<O>;
  }): StateGraph<SD, I, O>;
  new <I extends StateDefinition, O extends StateDefinition>(init: {
    input: StateSchema<I>;
    output: StateSchema<O>;
  }): StateGraph<I & O, I, O>;
}

/** The builder (see StateGraphConstructor for the ways to create one). */
class StateGraphBuilder<SD extends StateDefinition, I extends StateDefinition = SD, O extends StateDefinition = SD> {
  readonly spec: SD;
  readonly inputSpec: I;
  readonly outputSpec: O;
  private readonly nodes = new Map<string, NodeFunction<StateType<SD>, UpdateType<SD>>>();
  private readonly subgraphs = new Map<string, AnyCompiledGraph>();
  private readonly edges: [string, string][] = [];
  private readonly waitingEdges: [string[], string][] = [];
  private readonly branches = new Map<string, Branch<StateType<SD>>[]>();
  private readonly ends = new Map<string, string[]>();
  private readonly retryPolicies = new Map<string, RetryPolicy>();
  private readonly deferred = new Set<string>();

  constructor(
    state: StateSchema<SD> | StateGraphInit<SD, I, O>,
    options: { input?: StateSchema<I>; output?: StateSchema<O> } = {},
  ) {
    const init: StateGraphInit<SD, I, O> = isInit(state)
      ? state
      : { stateSchema: state as StateSchema<SD>, ...options };
    const input = init.input ? definitionOf(init.input) : undefined;
    const output = init.output ? definitionOf(init.output) : undefined;
    if (!init.stateSchema && !input && !output)
      throw new InvalidGraphError(
        "StateGraph needs a state schema: new StateGraph(State) or new StateGraph({ stateSchema, input, output }).",
      );
    // Without a state schema the state is every key of the input and output schemas, as in LangGraph.
    this.spec = (init.stateSchema ? definitionOf(init.stateSchema) : { ...input, ...output }) as SD;
    this.inputSpec = (input ?? this.spec) as I;
    this.outputSpec = (output ?? this.spec) as O;
    for (const [which, def] of [
      ["input", this.inputSpec],
      ["output", this.outputSpec],
    ] as const) {
      for (const [key, annotation] of Object.entries(def)) {
        if (!(annotation instanceof ChannelAnnotation))
          throw new InvalidGraphError(`StateGraph ${which} schema key "${key}" is not an Annotation.`);
      }
    }
  }

  /**
   * A node is a function `(state, config) => update`, or a compiled graph (a subgraph: it runs on the state, its
   * final state is the node's update, and it checkpoints under the namespace `"<name>:<task id>"`).
   * `options.ends`: the nodes a returned `Command.goto` may reach (checked at compile()); `retryPolicy`: retry
   * the node (and its routers) on failure; `defer`: run only once nothing else is left to run.
   */
  addNode(
    name: string,
    fn: NodeFunction<StateType<SD>, UpdateType<SD>> | AnyCompiledGraph,
    options: NodeOptions = {},
  ): this {
    checkOptions(options, NODE_OPTIONS, `addNode("${name}")`);
    if (RESERVED.has(name)) throw new InvalidGraphError(`"${name}" is reserved and cannot be a node name.`);
    if (name.includes(":") || name.includes("|"))
      throw new InvalidGraphError(`Node name "${name}" may not contain ":" or "|".`);
    if (this.nodes.has(name)) throw new InvalidGraphError(`Node "${name}" is already present.`);
    if (Object.prototype.hasOwnProperty.call(this.spec, name))
      throw new InvalidGraphError(`"${name}" is already a state key; pick another node name.`);
    if (fn instanceof CompiledGraph) {
      const graph = fn;
      this.subgraphs.set(name, graph);
      fn = (state, config) => graph.invoke(state as never, config) as Promise<UpdateType<SD>>;
    }
    if (typeof fn !== "function")
      throw new InvalidGraphError(`Node "${name}" must be a function (state, config) => update, or a compiled graph.`);
    this.nodes.set(name, fn);
    if (options.ends) this.ends.set(name, options.ends);
    if (options.retryPolicy) this.retryPolicies.set(name, checkRetryPolicy(options.retryPolicy, name));
    if (options.defer) this.deferred.add(name);
    return this;
  }

  /** Adds the nodes and an edge from each to the next, in order (`[[name, fn], …]` or `{ name: fn, … }`). */
  addSequence(
    nodes:
      | [string, NodeFunction<StateType<SD>, UpdateType<SD>> | AnyCompiledGraph][]
      | Record<string, NodeFunction<StateType<SD>, UpdateType<SD>> | AnyCompiledGraph>,
  ): this {
    const list = Array.isArray(nodes) ? nodes : Object.entries(nodes);
    if (list.length === 0) throw new InvalidGraphError("addSequence needs at least one node.");
    let previous: string | undefined;
    for (const [name, fn] of list) {
      this.addNode(name, fn);
      if (previous !== undefined) this.addEdge(previous, name);
      previous = name;
    }
    return this;
  }

  /** `addEdge(a, b)`, or `addEdge([a, b], c)`: c runs once both a and b have run. */
  addEdge(from: string | string[], to: string): this {
    if (Array.isArray(from)) {
      if (from.length === 1) return this.addEdge(from[0]!, to);
      this.waitingEdges.push([[...from], to]);
    } else {
      if (from === END) throw new InvalidGraphError("END cannot be the start of an edge.");
      if (to === START) throw new InvalidGraphError("START cannot be the end of an edge.");
      this.edges.push([from, to]);
    }
    return this;
  }

  /** After `source`, `router(state)` picks the next node(s); `pathMap` maps its return values (or lists the allowed nodes). */
  addConditionalEdges(
    source: string,
    router: RouterFunction<StateType<SD>>,
    pathMap?: string[] | Record<string, string>,
  ): this {
    const map = Array.isArray(pathMap) ? Object.fromEntries(pathMap.map((n) => [n, n])) : pathMap;
    const list = this.branches.get(source) ?? [];
    list.push(map ? { router, pathMap: map } : { router });
    this.branches.set(source, list);
    return this;
  }

  compile(options: CompileOptions = {}): CompiledStateGraph<SD, I, O> {
    checkOptions(options, COMPILE_OPTIONS, "compile()");
    const graph = compileGraph<StateType<SD>>(
      {
        spec: this.spec,
        inputSpec: this.inputSpec,
        outputSpec: this.outputSpec,
        nodes: this.nodes,
        subgraphs: this.subgraphs,
        edges: this.edges,
        waitingEdges: this.waitingEdges,
        branches: this.branches,
        ends: this.ends,
        retryPolicies: this.retryPolicies,
        deferred: this.deferred,
      },
      options,
    );
    return new CompiledGraph<StateType<SD>, UpdateType<SD>, UpdateType<I>, StateType<O>>(graph);
  }
}

export type StateGraph<
  SD extends StateDefinition,
  I extends StateDefinition = SD,
  O extends StateDefinition = SD,
> = StateGraphBuilder<SD, I, O>;
export const StateGraph = StateGraphBuilder as StateGraphConstructor;
