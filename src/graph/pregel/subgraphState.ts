/**
 * Reading subgraph state (LangGraph `getState(config, { subgraphs: true })`, `getSubgraphs`, and state calls
 * addressed to a subgraph's `checkpoint_ns`). A subgraph is a node that is a compiled graph; its checkpoints
 * live in the parent's saver under `"<node>:<task id>"`.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { CheckpointTuple } from "../../checkpoint/types";
import { GraphError } from "../errors";
import type { RunnableConfig, StateSnapshot } from "../types";
import type { CompiledGraph } from "./index";
import type { GraphSpec } from "./loop/loop";
import { toSnapshot } from "./state";
import { NS_SEP, recastNamespace, taskNamespace } from "./subgraph";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCompiledGraph = CompiledGraph<any, any>;
export type SubgraphEntry = [name: string, graph: AnyCompiledGraph];

/** `[name, graph]` per subgraph node; `recurse` descends ("child|grandchild"); `namespace` picks one. */
export function* subgraphsOf(
  spec: GraphSpec,
  namespace: string | undefined,
  recurse: boolean,
): Generator<SubgraphEntry> {
  for (const [name, node] of spec.nodes) {
    const graph = node.subgraph;
    if (!graph) continue;
    if (namespace !== undefined && namespace !== name && !namespace.startsWith(`${name}${NS_SEP}`)) continue;
    if (namespace === name) {
      yield [name, graph];
      return;
    }
    if (namespace === undefined) yield [name, graph];
    if (recurse) {
      const rest = namespace === undefined ? undefined : namespace.slice(name.length + 1);
      for (const [childName, child] of subgraphsOf(graph.spec, rest, true)) {
        yield [`${name}${NS_SEP}${childName}`, child];
        if (rest !== undefined) return;
      }
    }
  }
}

/** The graph that owns checkpoints stored under `ns` ("" = this one). */
export function specForNamespace(spec: GraphSpec, ns: string | undefined): GraphSpec {
  if (!ns) return spec;
  const path = recastNamespace(ns);
  for (const [, graph] of subgraphsOf(spec, path, true)) return graph.spec;
  throw new GraphError(
    `No subgraph of this graph stores checkpoints under namespace "${ns}" (node path "${path}"). State calls reach subgraphs added as nodes; ` +
      "a graph invoked inside a node function keeps its checkpoints there too, readable with checkpointer.list({ configurable: { thread_id, checkpoint_ns } }).",
    "SUBGRAPH_NOT_FOUND",
  );
}

/** A snapshot of one stored checkpoint, with each subgraph task's `state`: its config, or (`recurse`) its snapshot. */
export async function snapshotOf<S>(
  spec: GraphSpec,
  saver: BaseCheckpointSaver,
  saved: CheckpointTuple,
  applyPendingWrites: boolean,
  recurse: boolean,
): Promise<StateSnapshot<S>> {
  const snapshot = toSnapshot<S>(spec, saved, applyPendingWrites);
  const parentNs = saved.config.configurable?.checkpoint_ns ?? "";
  const thread_id = saved.config.configurable?.thread_id;
  for (const task of snapshot.tasks) {
    const graph = spec.nodes.get(task.name)?.subgraph;
    if (!graph) continue;
    const config: RunnableConfig = {
      configurable: { thread_id, checkpoint_ns: taskNamespace(parentNs, task.name, task.id) },
    };
    task.state = recurse ? await stateAt(graph.spec, saver, config, true) : config;
  }
  return snapshot;
}

/** `getState` of the graph `spec` over `saver` (a subgraph reads its parent's). */
export async function stateAt<S>(
  spec: GraphSpec,
  saver: BaseCheckpointSaver,
  config: RunnableConfig,
  recurse: boolean,
): Promise<StateSnapshot<S>> {
  const saved = await saver.getTuple(config);
  if (!saved) return { values: {} as S, next: [], tasks: [], config, interrupts: [] };
  return snapshotOf<S>(spec, saver, saved, config.configurable?.checkpoint_id === undefined, recurse);
}
