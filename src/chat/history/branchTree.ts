/**
 * The message tree of a thread, derived from its checkpoint tree.
 *
 * Every checkpoint holds a message list; a fork (edit, regenerate) shares the prefix's message ids with
 * its original, so folding every checkpoint's list into a trie keyed by (previous node, message id)
 * gives the conversation tree: a node with several children is where the user edited or regenerated.
 * Siblings are ordered by creation (the oldest checkpoint that holds them; ids are time-ordered).
 * Pure: no saver, no graph — branchReads.ts feeds it from a saver. `viewOf` turns it into the branch the chat shows.
 */
import type { StoredMessage } from "../../graph/messages";

/** What the tree needs of one checkpoint. */
export interface CheckpointView {
  checkpointId: string;
  parentCheckpointId?: string;
  messages: readonly StoredMessage[];
}

export interface TreeNode {
  /** Index in `MessageTree.nodes`. */
  key: number;
  /** The newest stored version of the message. */
  message: StoredMessage;
  /** Parent node key; -1 for a first message. */
  parent: number;
  /** Child node keys, oldest first. */
  children: number[];
  /** Oldest / newest checkpoint whose message list contains this node. */
  firstCheckpointId: string;
  latestCheckpointId: string;
}

export interface MessageTree {
  nodes: TreeNode[];
  /** First messages, oldest first (several when the first message was edited). */
  roots: number[];
  /** checkpoint id → the node its message list ends at (-1 = no messages). */
  ends: Map<string, number>;
  /** checkpoint id → parent checkpoint id. */
  parents: Map<string, string | undefined>;
  /** The newest checkpoint: what the thread shows and continues from. */
  headCheckpointId?: string;
}

export interface SiblingInfo {
  /** 0-based position among the siblings (shown to people as index + 1). */
  index: number;
  count: number;
  /** Message ids of all siblings, oldest first. */
  messageIds: string[];
}

export interface BranchViewMessage {
  message: StoredMessage;
  siblings: SiblingInfo;
}

export interface BranchView {
  threadId: string;
  messages: BranchViewMessage[];
  headCheckpointId?: string;
  /** Number of branches (leaves) in the thread; 1 when it never forked. */
  branchCount: number;
}

/** Builds the tree from checkpoints given in any order (savers list newest first). */
export class MessageTreeBuilder {
  private readonly nodes: TreeNode[] = [];
  /** Per parent key (+1, so the root is 0): message id → node key. */
  private readonly childIndex: Array<Map<string, number>> = [new Map()];
  private readonly ends = new Map<string, number>();
  private readonly parents = new Map<string, string | undefined>();
  private head?: string;

  add(view: CheckpointView): void {
    const { checkpointId } = view;
    if (this.head === undefined || checkpointId > this.head) this.head = checkpointId;
    this.parents.set(checkpointId, view.parentCheckpointId);
    let parent = -1;
    for (const message of view.messages) {
      if (!message || typeof message.id !== "string") continue;
      const children = this.childIndex[parent + 1]!;
      let key = children.get(message.id);
      if (key === undefined) {
        key = this.nodes.length;
        this.nodes.push({
          key,
          message,
          parent,
          children: [],
          firstCheckpointId: checkpointId,
          latestCheckpointId: checkpointId,
        });
        this.childIndex.push(new Map());
        children.set(message.id, key);
      } else {
        const node = this.nodes[key]!;
        if (checkpointId < node.firstCheckpointId) node.firstCheckpointId = checkpointId;
        if (checkpointId > node.latestCheckpointId) {
          node.latestCheckpointId = checkpointId;
          node.message = message;
        }
      }
      parent = key;
    }
    this.ends.set(checkpointId, parent);
  }

  /** Newest checkpoint added so far (the cache in branchReads.ts reads only what is newer). */
  get newestCheckpointId(): string | undefined {
    return this.head;
  }

  /** A tree of everything added so far; the builder can keep taking checkpoints afterwards. */
  build(): MessageTree {
    const roots: number[] = [];
    for (const node of this.nodes) node.children = [];
    for (const node of this.nodes) {
      if (node.parent === -1) roots.push(node.key);
      else this.nodes[node.parent]!.children.push(node.key);
    }
    const byCreation = (a: number, b: number) => creationOrder(this.nodes[a]!, this.nodes[b]!) || a - b;
    roots.sort(byCreation);
    for (const node of this.nodes) node.children.sort(byCreation);
    return { nodes: this.nodes, roots, ends: this.ends, parents: this.parents, headCheckpointId: this.head };
  }
}

export function buildMessageTree(views: Iterable<CheckpointView>): MessageTree {
  const builder = new MessageTreeBuilder();
  for (const view of views) builder.add(view);
  return builder.build();
}

/** Node keys from the first message to `end` (inclusive); [] for -1. */
export function pathTo(tree: MessageTree, end: number): number[] {
  const path: number[] = [];
  for (let key = end; key !== -1; key = tree.nodes[key]!.parent) path.push(key);
  return path.reverse();
}

/** The siblings of a node (itself included), oldest first. */
export function siblingsOf(tree: MessageTree, key: number): number[] {
  const parent = tree.nodes[key]!.parent;
  return parent === -1 ? tree.roots : tree.nodes[parent]!.children;
}

/** The node keys whose message has this id (normally one). */
export function findNodes(tree: MessageTree, messageId: string): number[] {
  return tree.nodes.filter((node) => node.message.id === messageId).map((node) => node.key);
}

/** Is `ancestor` on the path to `key` (or `key` itself)? */
export function isOnPath(tree: MessageTree, ancestor: number, key: number): boolean {
  for (let at = key; at !== -1; at = tree.nodes[at]!.parent) if (at === ancestor) return true;
  return false;
}

/** The shown branch of a tree: the path to where the head checkpoint's messages end. */
export function viewOf(threadId: string, tree: MessageTree): BranchView {
  const headEnd = tree.headCheckpointId === undefined ? -1 : tree.ends.get(tree.headCheckpointId)!;
  const leaves = tree.nodes.filter((node) => node.children.length === 0).length;
  return {
    threadId,
    headCheckpointId: tree.headCheckpointId,
    branchCount: Math.max(1, leaves),
    messages: pathTo(tree, headEnd).map((key) => {
      const siblings = siblingsOf(tree, key);
      return {
        message: tree.nodes[key]!.message,
        siblings: {
          index: siblings.indexOf(key),
          count: siblings.length,
          messageIds: siblings.map((at) => tree.nodes[at]!.message.id),
        },
      };
    }),
  };
}

/**
 * Siblings in the order they were made: by the messages' own `metadata.createdAt` when both have one (so a
 * tree built from leaves only orders them like the full one), else by the oldest checkpoint holding them.
 */
function creationOrder(a: TreeNode, b: TreeNode): number {
  const ta = a.message.metadata?.createdAt;
  const tb = b.message.metadata?.createdAt;
  if (typeof ta === "string" && typeof tb === "string" && ta !== tb) return compare(ta, tb);
  return compare(a.firstCheckpointId, b.firstCheckpointId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
