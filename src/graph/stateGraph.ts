/**
 * The builder (LangGraph `graph/state.ts`): nodes, edges, conditional edges. `compile()` validates the
 * structure and translates it into channels and Pregel nodes for the runnable graph.
 */
import type { BaseCheckpointSaver } from "../checkpoint/base";
import type { PendingWrite } from "../checkpoint/types";
import { AnnotationRoot, ChannelAnnotation, type StateDefinition, type StateType, type UpdateType } from "./annotation";
import {
  EphemeralValue,
  LastValueAfterFinish,
  NamedBarrierValue,
  NamedBarrierValueAfterFinish,
  Topic,
  type BaseChannel,
} from "./channels";
import { Command, isCommand, isSend, type Send } from "./command";
import { branchChannel, END, joinChannel, START, TASKS } from "./constants";
import { InvalidGraphError, InvalidUpdateError, UnreachableNodeError } from "./errors";
import { CompiledGraph } from "./pregel";
import type { GraphSpec } from "./pregel/loop/loop";
import type { PregelNode, WriteContext } from "./pregel/node";
import { checkOptions } from "./pregel/options";
import { checkRetryPolicy, type RetryPolicy } from "./pregel/retry";
import { ParentCommand } from "./pregel/subgraph";
import type { AnyCompiledGraph } from "./pregel/subgraphState";
import type { NodeConfig } from "./types";

type Awaitable<T> = T | Promise<T>;

/** A node: reads the state, returns an update (or a Command, or nothing). */
export type NodeFunction<S, U> = (state: S, config: NodeConfig) => Awaitable<U | Command | null | undefined | void>;

/** A router: returns the next node(s), END, `Send`s, or keys of the path map. */
export type RouterFunction<S> = (state: S, config: NodeConfig) => Awaitable<string | Send | (string | Send)[]>;

interface Branch<S> {
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
    this.validate(options);
    // Keys of the input/output schemas that the state lacks are channels too (LangGraph adds every schema's keys).
    const definitions: StateDefinition = { ...this.inputSpec, ...this.outputSpec, ...this.spec };
    const stateKeys = Object.keys(definitions);
    const inputKeys = Object.keys(this.inputSpec);
    const outputKeys = Object.keys(this.outputSpec);
    const channels: Record<string, BaseChannel> = {};
    for (const key of stateKeys) channels[key] = definitions[key]!.createChannel(key);
    channels[START] = new EphemeralValue();
    channels[TASKS] = new Topic();
    for (const name of this.nodes.keys())
      channels[branchChannel(name)] = this.deferred.has(name) ? new LastValueAfterFinish() : new EphemeralValue(false);
    for (const [starts, end] of this.waitingEdges) {
      channels[joinChannel(starts, end)] = this.deferred.has(end)
        ? new NamedBarrierValueAfterFinish(starts)
        : new NamedBarrierValue(starts);
    }

    const nodes = new Map<string, PregelNode>();
    nodes.set(START, {
      name: START,
      triggers: [START],
      hidden: true,
      readInput: (chans) => chans[START]!.get(),
      run: (input) => input,
      writes: (output, ctx) => this.writesOf(START, output, ctx, inputKeys),
      updateOf: (output) => output,
    });
    for (const [name, fn] of this.nodes) {
      const triggers = [
        branchChannel(name),
        ...this.waitingEdges.filter(([, end]) => end === name).map(([s, e]) => joinChannel(s, e)),
      ];
      nodes.set(name, {
        name,
        triggers,
        ...(this.retryPolicies.has(name) ? { retryPolicy: this.retryPolicies.get(name)! } : {}),
        run: (input, config) => fn(input as StateType<SD>, config),
        writes: (output, ctx) => this.writesOf(name, output, ctx, stateKeys),
        updateOf: (output) => (isCommand(output) ? (output.update ?? null) : (output ?? null)),
        ...(this.subgraphs.has(name) ? { subgraph: this.subgraphs.get(name)! } : {}),
      });
    }
    const graph: GraphSpec = {
      nodes,
      channels,
      stateKeys,
      triggerChannels: new Set([TASKS, ...[...nodes.values()].flatMap((node) => node.triggers)]),
      ...(outputKeys.length !== stateKeys.length ? { outputKeys } : {}),
      structure: {
        nodes: [...this.nodes.keys()],
        edges: this.edges,
        waitingEdges: this.waitingEdges,
        branches: [...this.branches].flatMap(([source, list]) => list.map((b) => [source, b.pathMap] as const)),
        ends: this.ends,
        interruptBefore: options.interruptBefore ?? [],
        interruptAfter: options.interruptAfter ?? [],
      },
      ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}),
      interruptBefore: options.interruptBefore ?? [],
      interruptAfter: options.interruptAfter ?? [],
      commandWrites: (command) => {
        if (command.graph === Command.PARENT)
          throw new InvalidUpdateError(
            "Command({ graph: Command.PARENT }) given as input: there is no parent graph.",
            "INVALID_PARENT_COMMAND",
          );
        return [...this.updateWrites("Command", command.update, stateKeys, true), ...this.gotoWrites(command.goto)];
      },
    };
    return new CompiledGraph<StateType<SD>, UpdateType<SD>, UpdateType<I>, StateType<O>>(graph);
  }

  private validate(options: CompileOptions): void {
    const known = (name: string) => this.nodes.has(name);
    const check = (name: string, where: string, allowed: string[] = []) => {
      if (!known(name) && !allowed.includes(name)) {
        throw new InvalidGraphError(
          `${where} refers to unknown node "${name}". Known nodes: ${[...this.nodes.keys()].join(", ") || "(none)"}.`,
        );
      }
    };
    for (const [from, to] of this.edges) {
      check(from, `Edge ${from} → ${to}`, [START]);
      check(to, `Edge ${from} → ${to}`, [END]);
    }
    for (const [starts, end] of this.waitingEdges) {
      for (const s of starts) check(s, `Edge [${starts.join(", ")}] → ${end}`, [START]);
      check(end, `Edge [${starts.join(", ")}] → ${end}`, [END]);
    }
    for (const [source, branches] of this.branches) {
      check(source, "Conditional edge source", [START]);
      for (const branch of branches)
        for (const target of Object.values(branch.pathMap ?? {}))
          check(target, `Conditional edge from ${source}`, [END]);
    }
    for (const [source, targets] of this.ends)
      for (const target of targets) check(target, `addNode("${source}", …, { ends })`, [END]);
    const hasEntry =
      this.edges.some(([from]) => from === START) ||
      this.branches.has(START) ||
      this.waitingEdges.some(([starts]) => starts.includes(START));
    if (!hasEntry)
      throw new InvalidGraphError('Graph has no entry point: add an edge from START, e.g. addEdge(START, "my_node").');
    const targets = new Set<string>([...this.edges.map(([, to]) => to), ...this.waitingEdges.map(([, to]) => to)]);
    for (const [source, branches] of this.branches) {
      for (const branch of branches) {
        if (branch.pathMap) for (const target of Object.values(branch.pathMap)) targets.add(target);
        else for (const name of this.nodes.keys()) if (name !== source) targets.add(name);
      }
    }
    for (const ends of this.ends.values()) for (const target of ends) targets.add(target);
    for (const name of this.nodes.keys()) {
      if (!targets.has(name)) {
        throw new UnreachableNodeError(
          `Node "${name}" is not reachable: no edge, conditional edge or { ends } leads to it. A node reached only through Command({ goto }) must be listed in the source node's options: addNode("source", fn, { ends: ["${name}"] }).`,
        );
      }
    }
    for (const key of ["interruptBefore", "interruptAfter"] as const) {
      const list = options[key];
      if (Array.isArray(list)) for (const name of list) check(name, `compile({ ${key} })`);
    }
  }

  /** Node output → writes: state updates, Command.goto, static edges, barrier edges, then routers. */
  private async writesOf(
    name: string,
    output: unknown,
    ctx: WriteContext,
    stateKeys: string[],
  ): Promise<PendingWrite[]> {
    const command = isCommand(output) ? output : undefined;
    // Addressed to the graph running this one: the subgraph run stops and its parent task applies the command.
    if (command?.graph === Command.PARENT) throw new ParentCommand(command);
    const writes = this.updateWrites(name, command ? command.update : output, stateKeys, command !== undefined);
    if (command) writes.push(...this.gotoWrites(command.goto));
    for (const [from, to] of this.edges) if (from === name && to !== END) writes.push([branchChannel(to), null]);
    for (const [starts, end] of this.waitingEdges)
      if (starts.includes(name)) writes.push([joinChannel(starts, end), name]);
    ctx.written = [...writes];
    const branches = this.branches.get(name);
    if (branches) {
      const state = ctx.readFresh(writes) as StateType<SD>;
      for (const branch of branches) {
        const result = await branch.router(state, ctx.config);
        const picks = (Array.isArray(result) ? result : [result]).map((pick) => {
          if (isSend(pick) || !branch.pathMap) return pick;
          const mapped = branch.pathMap[pick];
          if (mapped === undefined) {
            throw new InvalidUpdateError(
              `Router after "${name}" returned "${pick}", which is not in its path map (${Object.keys(branch.pathMap).join(", ")}).`,
              "INVALID_ROUTE",
            );
          }
          return mapped;
        });
        writes.push(...this.gotoWrites(picks));
      }
    }
    return writes;
  }

  private updateWrites(name: string, update: unknown, stateKeys: string[], fromCommand = false): PendingWrite[] {
    if (update === null || update === undefined) return [];
    // Command.update may be a list of [key, value] pairs (so one key can be written twice, in order).
    if (
      fromCommand &&
      Array.isArray(update) &&
      update.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string")
    ) {
      return (update as [string, unknown][])
        .filter(([key]) => stateKeys.includes(key))
        .map(([key, value]): PendingWrite => [key, value]);
    }
    if (typeof update !== "object" || Array.isArray(update)) {
      throw new InvalidUpdateError(
        `Node "${name}" returned ${JSON.stringify(update)}; a node must return an object of state keys (${stateKeys.join(", ")}), a Command, or nothing.`,
        "INVALID_GRAPH_NODE_RETURN_VALUE",
      );
    }
    // Keys that are not state keys are ignored, as in LangGraph.
    return Object.entries(update).filter(([key]) => stateKeys.includes(key)) as PendingWrite[];
  }

  private gotoWrites(gotos: readonly (string | Send)[]): PendingWrite[] {
    const writes: PendingWrite[] = [];
    for (const target of gotos) {
      if (isSend(target)) {
        if (!this.nodes.has(target.node))
          throw new InvalidUpdateError(`Send to unknown node "${target.node}".`, "INVALID_ROUTE");
        writes.push([TASKS, { lg_name: "Send", node: target.node, args: target.args }]);
      } else if (target !== END) {
        if (!this.nodes.has(target))
          throw new InvalidUpdateError(`Route to unknown node "${target}".`, "INVALID_ROUTE");
        writes.push([branchChannel(target), null]);
      }
    }
    return writes;
  }
}

export type StateGraph<
  SD extends StateDefinition,
  I extends StateDefinition = SD,
  O extends StateDefinition = SD,
> = StateGraphBuilder<SD, I, O>;
export const StateGraph = StateGraphBuilder as StateGraphConstructor;
