/**
 * `compile()`'s work: checks the builder's structure (every edge, route, `ends` and breakpoint names a node;
 * there is an entry point; every node is reachable), then translates it into channels and Pregel nodes. A
 * node's output becomes writes: state updates, Command.goto, static edges, barrier edges, then routers.
 */
import type { PendingWrite } from "../checkpoint/types";
import type { StateDefinition } from "./annotation";
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
import type { GraphSpec } from "./pregel/loop/loop";
import type { PregelNode, WriteContext } from "./pregel/node";
import type { RetryPolicy } from "./pregel/retry";
import { ParentCommand } from "./pregel/subgraph";
import type { AnyCompiledGraph } from "./pregel/subgraphState";
import type { Branch, CompileOptions, NodeFunction } from "./stateGraph";

/**
 * What a StateGraph builder holds. The compiled graph reads these collections when it runs, as they are
 * (not copies taken at compile time).
 */
export interface GraphParts<S> {
  spec: StateDefinition;
  inputSpec: StateDefinition;
  outputSpec: StateDefinition;
  nodes: ReadonlyMap<string, NodeFunction<S, unknown>>;
  subgraphs: ReadonlyMap<string, AnyCompiledGraph>;
  edges: [string, string][];
  waitingEdges: [string[], string][];
  branches: ReadonlyMap<string, Branch<S>[]>;
  ends: ReadonlyMap<string, string[]>;
  retryPolicies: ReadonlyMap<string, RetryPolicy>;
  deferred: ReadonlySet<string>;
}

/** Validates a builder's graph and translates it into the spec the runtime runs. */
export function compileGraph<S>(parts: GraphParts<S>, options: CompileOptions): GraphSpec {
  return new GraphCompiler(parts).compile(options);
}

class GraphCompiler<S> {
  private readonly spec: StateDefinition;
  private readonly inputSpec: StateDefinition;
  private readonly outputSpec: StateDefinition;
  private readonly nodes: ReadonlyMap<string, NodeFunction<S, unknown>>;
  private readonly subgraphs: ReadonlyMap<string, AnyCompiledGraph>;
  private readonly edges: [string, string][];
  private readonly waitingEdges: [string[], string][];
  private readonly branches: ReadonlyMap<string, Branch<S>[]>;
  private readonly ends: ReadonlyMap<string, string[]>;
  private readonly retryPolicies: ReadonlyMap<string, RetryPolicy>;
  private readonly deferred: ReadonlySet<string>;

  constructor(parts: GraphParts<S>) {
    this.spec = parts.spec;
    this.inputSpec = parts.inputSpec;
    this.outputSpec = parts.outputSpec;
    this.nodes = parts.nodes;
    this.subgraphs = parts.subgraphs;
    this.edges = parts.edges;
    this.waitingEdges = parts.waitingEdges;
    this.branches = parts.branches;
    this.ends = parts.ends;
    this.retryPolicies = parts.retryPolicies;
    this.deferred = parts.deferred;
  }

  compile(options: CompileOptions): GraphSpec {
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
        run: (input, config) => fn(input as S, config),
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
    return graph;
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
      const state = ctx.readFresh(writes) as S;
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
