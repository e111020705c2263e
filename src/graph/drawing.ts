/**
 * `getGraph()`: the drawable shape of a compiled graph, and `drawMermaid()` producing the same Mermaid text as
 * LangGraph.js (its `getGraphAsync` and LangChain core's `Graph.drawMermaid`), so diagrams in docs and
 * snapshots carry over. Nodes are drawn flat: subgraphs appear as one node (`xray` is not offered).
 */
import { END, START } from "./constants";
import { GraphError } from "./errors";

/** The builder's structure, as compile() hands it over. */
export interface GraphStructure {
  nodes: readonly string[];
  edges: readonly (readonly [string, string])[];
  waitingEdges: readonly (readonly [readonly string[], string])[];
  /** Conditional edges: source and the router's path map (undefined = it may go anywhere). */
  branches: readonly (readonly [string, Readonly<Record<string, string>> | undefined])[];
  /** `addNode(name, fn, { ends })`. */
  ends: ReadonlyMap<string, readonly string[]>;
  interruptBefore: readonly string[] | "*";
  interruptAfter: readonly string[] | "*";
}

export interface DrawableNode {
  id: string;
  name: string;
  metadata?: Record<string, unknown>;
}

export interface DrawableEdge {
  source: string;
  target: string;
  data?: string;
  conditional: boolean;
}

export interface MermaidOptions {
  withStyles?: boolean;
  curveStyle?: string;
  nodeColors?: Record<string, string>;
  wrapLabelNWords?: number;
}

const DEFAULT_COLORS = { default: "fill:#f2f0ff,line-height:1.2", first: "fill-opacity:0", last: "fill:#bfb6fc" };
const MARKDOWN_SPECIAL = ["*", "_", "`"];
const ENTITY: Record<string, string> = {
  "#": "#35;",
  "[": "#91;",
  "]": "#93;",
  "(": "#40;",
  ")": "#41;",
  "{": "#123;",
  "}": "#125;",
  '"': "#quot;",
  "<": "#60;",
  ">": "#62;",
  "|": "#124;",
};

const escapeKey = (key: string) => (key === "subgraph" ? `"${key}"` : key);
const escapeLabel = (label: string) => label.replace(/[^a-zA-Z-_0-9]/g, "_");

/** A drawable graph: nodes by id in drawing order, edges in drawing order. */
export class DrawableGraph {
  readonly nodes: Record<string, DrawableNode> = {};
  readonly edges: DrawableEdge[] = [];

  addNode(id: string, metadata?: Record<string, unknown>): DrawableNode {
    const node: DrawableNode = { id, name: id, ...(metadata && Object.keys(metadata).length ? { metadata } : {}) };
    this.nodes[id] = node;
    return node;
  }

  /** The one node no edge leads to, if there is exactly one. */
  firstNode(): DrawableNode | undefined {
    const targets = new Set(this.edges.map((e) => e.target));
    const found = Object.values(this.nodes).filter((n) => !targets.has(n.id));
    return found.length === 1 ? found[0] : undefined;
  }

  /** The one node no edge leaves, if there is exactly one. */
  lastNode(): DrawableNode | undefined {
    const sources = new Set(this.edges.map((e) => e.source));
    const found = Object.values(this.nodes).filter((n) => !sources.has(n.id));
    return found.length === 1 ? found[0] : undefined;
  }

  drawMermaid(options: MermaidOptions = {}): string {
    const { withStyles = true, curveStyle = "linear", nodeColors = DEFAULT_COLORS, wrapLabelNWords = 9 } = options;
    let out = withStyles ? `%%{init: {'flowchart': {'curve': '${curveStyle}'}}}%%\ngraph TD;\n` : "graph TD;\n";
    if (withStyles) {
      const first = this.firstNode()?.id;
      const last = this.lastNode()?.id;
      for (const [key, node] of Object.entries(this.nodes)) {
        const name = node.name.split(":").pop() ?? "";
        let label = MARKDOWN_SPECIAL.some((c) => name.startsWith(c) && name.endsWith(c)) ? `<p>${name}</p>` : name;
        const lines = Object.entries(node.metadata ?? {}).flatMap(([k, v]) => {
          const value =
            typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
          return value === undefined ? [] : [`${k} = ${value}`.replace(/[#[\](){}"<>|]/g, (c) => ENTITY[c]!)];
        });
        if (lines.length) label += `<hr/><small><em>${lines.join("\n")}</em></small>`;
        const format = key === first ? "{0}([{1}]):::first" : key === last ? "{0}([{1}]):::last" : "{0}({1})";
        out += `\t${format.replace("{0}", escapeLabel(key)).replace("{1}", label)}\n`;
      }
    }
    for (const { source, target, data, conditional } of this.edges) {
      let arrow = conditional ? " -.-> " : " --> ";
      if (data !== undefined) {
        const words = data.split(" ");
        const text =
          words.length > wrapLabelNWords
            ? Array.from({ length: Math.ceil(words.length / wrapLabelNWords) }, (_, i) =>
                words.slice(i * wrapLabelNWords, (i + 1) * wrapLabelNWords).join(" "),
              ).join("&nbsp;<br>&nbsp;")
            : data;
        arrow = conditional ? ` -. &nbsp;${text}&nbsp; .-> ` : ` -- &nbsp;${text}&nbsp; --> `;
      }
      out += `\t${escapeLabel(source)}${arrow}${escapeLabel(target)};\n`;
    }
    if (withStyles) for (const [name, color] of Object.entries(nodeColors)) out += `\tclassDef ${name} ${color};\n`;
    return out;
  }

  drawMermaidPng(): never {
    throw new GraphError(
      "drawMermaidPng renders through the mermaid.ink web service, which Skein does not call; render drawMermaid()'s text instead.",
      "NOT_SUPPORTED",
    );
  }
}

/** The graph as LangGraph draws it: START, the nodes, END (once an edge reaches it), static then conditional edges. */
export function drawableGraph(structure: GraphStructure, options: { xray?: boolean | number } = {}): DrawableGraph {
  if (options.xray) {
    throw new GraphError(
      "getGraph({ xray }) is not supported: Skein draws a subgraph as one node. Draw the subgraph itself with its own getGraph().",
      "NOT_SUPPORTED",
    );
  }
  const graph = new DrawableGraph();
  graph.addNode(START);
  const known = new Set<string>([START]);
  const discovered: { src: string; dest: string; conditional: boolean }[] = [];
  const addEdge = (start: string, end: string, label?: string, conditional = false) => {
    if (end === END && !known.has(END)) {
      graph.addNode(END);
      known.add(END);
    }
    if (!known.has(start)) return;
    if (!known.has(end)) throw new GraphError(`End node ${end} not found!`, "INVALID_GRAPH");
    discovered.push({ src: start, dest: end, conditional });
    graph.edges.push({
      source: start,
      target: end,
      ...(label !== undefined && label !== end ? { data: label } : {}),
      conditional,
    });
  };
  for (const name of structure.nodes) {
    const key = escapeKey(name);
    const before = structure.interruptBefore === "*" || structure.interruptBefore.includes(name);
    const after = structure.interruptAfter === "*" || structure.interruptAfter.includes(name);
    const interrupt = before && after ? "before,after" : before ? "before" : after ? "after" : undefined;
    graph.addNode(key, interrupt ? { __interrupt: interrupt } : undefined);
    known.add(key);
  }
  const all = [
    ...structure.edges,
    ...structure.waitingEdges.flatMap(([starts, end]) => starts.map((start) => [start, end] as const)),
  ];
  // LangGraph's comparator only ever answers "before" or "equal"; the same comparator keeps its edge order.
  const sorted = [...all].sort(([a], [b]) => (a < b ? -1 : 0));
  for (const [start, end] of sorted) addEdge(escapeKey(start), escapeKey(end));
  const bySource = new Map<string, (Readonly<Record<string, string>> | undefined)[]>();
  for (const [source, pathMap] of structure.branches) bySource.set(source, [...(bySource.get(source) ?? []), pathMap]);
  for (const [source, maps] of bySource) {
    const anywhere: Record<string, string> = Object.fromEntries(
      structure.nodes.filter((n) => n !== source).map((n) => [escapeKey(n), escapeKey(n)]),
    );
    anywhere[END] = END;
    for (const pathMap of maps)
      for (const [label, end] of Object.entries(pathMap ?? anywhere))
        addEdge(escapeKey(source), escapeKey(end), label, true);
  }
  for (const [name, targets] of structure.ends)
    for (const end of targets) addEdge(escapeKey(name), escapeKey(end), undefined, true);
  // A node only static edges lead to and none leave ends the run: LangGraph draws that edge to END.
  const sources = new Set(discovered.map((e) => e.src));
  const terminal = [...new Set(discovered.filter((e) => !e.conditional && e.dest !== END).map((e) => e.dest))].sort();
  for (const dest of terminal) if (!sources.has(dest)) addEdge(dest, END);
  return graph;
}
