/**
 * Time travel in a thread: edit, regenerate, switch branch, fork to a new thread — LangGraph style, over the
 * real checkpoint tree (nothing here stores a second copy of the conversation).
 *
 * - Edit / regenerate are runs from an earlier checkpoint (`checkpoint_id` in the config): the runtime
 *   writes a fork under it, and because checkpoint ids are time-ordered the new branch becomes the head.
 * - Which branch is shown = the head. Switching branch makes the chosen branch's newest checkpoint the head
 *   again with `updateState(…, "__copy__")` (a sibling copy; it holds no new data in a delta store).
 *   Why not a "selected leaf" in the catalog: then `getState`, the next turn, Retry, resume after reload and
 *   every other reader would have to know about the selection; with "shown = latest = head" they all keep
 *   LangGraph's plain semantics, and the selection survives reload because it *is* the store's head.
 * - Reading is cheap (branchReads.ts, which ThreadBranches extends): a thread that never forked shows its head
 *   as it is (the catalog entry carries `hasBranches` once one did); a branched thread is read from its leaves
 *   only (branchLeaves.ts), and a re-run's starting checkpoint is found by walking back a few checkpoints from
 *   the message. Only a re-run of a message far back reads every checkpoint (once per thread; later reads are
 *   incremental).
 */
import { v4 as uuid4 } from "uuid";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { RunnableConfig } from "../../graph/types";
import type { StoredMessage } from "../../graph/messages";
import { activityOf, ACTIVITY_KEY } from "../activity";
import { CATALOG_KEYS, updateCatalog } from "../catalog";
import { EDIT_METADATA_KEY, toView } from "./branchLeaves";
import { BranchReads } from "./branchReads";
import { findNodes, isOnPath, pathTo, siblingsOf } from "./branchTree";
import type { BranchView, MessageTree } from "./branchTree";

/** The part of a compiled graph (src/graph) this module uses. */
export interface HistoryGraph {
  invoke(input: HistoryInput, config: RunnableConfig): Promise<unknown>;
  updateState(config: RunnableConfig, values: HistoryInput, asNode?: string): Promise<RunnableConfig>;
  getState(config: RunnableConfig): Promise<{ next: string[] }>;
}

export type HistoryRunConfig = RunnableConfig;
/** Messages appended through the messages reducer; null = no input (replay, "__copy__"). */
export type HistoryInput = { messages: StoredMessage[] } | null;

/** A run the caller performs (with streaming, locks, error handling): `graph.invoke(input, config)`. */
export interface PlannedRun {
  /** The new user message for an edit; null for a regenerate (replay from the checkpoint). */
  input: { messages: StoredMessage[] } | null;
  config: {
    configurable: { thread_id: string; checkpoint_ns: string; checkpoint_id: string };
    metadata?: Record<string, unknown>;
  };
}

/** Checkpoints read walking back from a message before falling back to the full tree. */
const WALK_LIMIT = 24;

export class BranchError extends Error {
  override name = "BranchError";
  constructor(
    readonly code: "MESSAGE_NOT_FOUND" | "WRONG_ROLE" | "NO_CHECKPOINT" | "BAD_SIBLING" | "NO_GRAPH",
    message: string,
  ) {
    super(message);
  }
}

export class ThreadBranches extends BranchReads {
  /**
   * @param writerNode the node `updateState` writes messages as (the chat graph's model node), used by
   *   fork and import; after it, the graph ends unless the last message asks for tools.
   */
  constructor(
    saver: BaseCheckpointSaver,
    private readonly graph?: HistoryGraph,
    private readonly writerNode = "call_model",
  ) {
    super(saver);
  }

  /** Plans the re-run of an edited user message: new input from the checkpoint before the original. */
  async planEdit(threadId: string, messageId: string, content: StoredMessage["content"]): Promise<PlannedRun> {
    const { tree, key } = await this.locate(threadId, messageId);
    if (tree.nodes[key]!.message.role !== "user")
      throw new BranchError(
        "WRONG_ROLE",
        "Only your own messages can be edited; regenerate an assistant reply instead.",
      );
    // Prefer a finished state (nothing pending) at that point; otherwise new input discards what was pending.
    const from = await this.checkpointBefore(threadId, messageId, tree, key, (next) => next.length === 0);
    await this.markBranched(threadId);
    const message: StoredMessage = {
      id: uuid4(),
      role: "user",
      content: keepSentWith(tree.nodes[key]!.message.content, content),
      metadata: { createdAt: new Date().toISOString(), editOf: messageId },
    };
    // Tagged so the fork this run makes is found by metadata (branchLeaves.ts).
    return {
      input: { messages: [message] },
      config: { ...runConfig(threadId, from), metadata: { [EDIT_METADATA_KEY]: true } },
    };
  }

  /** Plans a new sibling for an assistant message: replay from the checkpoint that produced it. */
  async planRegenerate(threadId: string, messageId: string): Promise<PlannedRun> {
    const { tree, key } = await this.locate(threadId, messageId);
    if (tree.nodes[key]!.message.role !== "assistant")
      throw new BranchError("WRONG_ROLE", "Only assistant replies can be regenerated; edit your message instead.");
    const from = await this.checkpointBefore(
      threadId,
      messageId,
      tree,
      key,
      (next) => next.length > 0 && !next.includes("__start__"),
    );
    await this.markBranched(threadId);
    return { input: null, config: runConfig(threadId, from) };
  }

  /** Edits and runs with `graph.invoke` (no streaming); the extension runs the plan itself. */
  async editUserMessage(threadId: string, messageId: string, content: StoredMessage["content"]): Promise<BranchView> {
    const plan = await this.planEdit(threadId, messageId, content);
    await this.requireGraph().invoke(plan.input, plan.config);
    return this.afterRun(threadId);
  }

  async regenerate(threadId: string, messageId: string): Promise<BranchView> {
    const plan = await this.planRegenerate(threadId, messageId);
    await this.requireGraph().invoke(plan.input, plan.config);
    return this.afterRun(threadId);
  }

  /** Call after running a plan: keeps the catalog's message count that of the shown branch. */
  async afterRun(threadId: string): Promise<BranchView> {
    const view = await this.getBranchView(threadId);
    // Count and preview are those of the shown branch (what the tree should say about the thread).
    await updateCatalog(this.saver, threadId, view.messages.length, view.messages.at(-1)?.message);
    return view;
  }

  /**
   * Shows the `siblingIndex`-th sibling of a message (with that branch's newest continuation) by making its
   * newest checkpoint the head. Returns the new view.
   */
  async switchBranch(threadId: string, messageId: string, siblingIndex: number): Promise<BranchView> {
    const { tree, key } = await this.locate(threadId, messageId);
    const siblings = siblingsOf(tree, key);
    if (!Number.isInteger(siblingIndex) || siblingIndex < 0 || siblingIndex >= siblings.length) {
      throw new BranchError(
        "BAD_SIBLING",
        `That message has ${siblings.length} version(s); there is no number ${siblingIndex + 1}.`,
      );
    }
    return this.showNode(threadId, tree, siblings[siblingIndex]!);
  }

  /** Makes sure a message (e.g. a search hit in another branch) is on the shown branch. */
  async showMessage(threadId: string, messageId: string): Promise<BranchView> {
    const { tree, key } = await this.locate(threadId, messageId);
    return this.showNode(threadId, tree, key);
  }

  /**
   * A new thread holding the shown history up to and including `messageId`; the original is untouched.
   * Returns the new thread id.
   */
  async forkToNewThread(threadId: string, messageId: string, newThreadId: string): Promise<string> {
    const { tree, key } = await this.locate(threadId, messageId);
    const messages = pathTo(tree, key).map((at) => tree.nodes[at]!.message);
    const info = await this.saver.getThreadInfo(threadId);
    try {
      await this.requireGraph().updateState(
        { configurable: { thread_id: newThreadId, checkpoint_ns: "" } },
        { messages },
        this.writerNode,
      );
      await this.saver.setThreadInfo(newThreadId, {
        title: `${info?.title?.trim() || "Untitled"} (fork)`,
        metadata: { [CATALOG_KEYS.forkedFrom]: { threadId, messageId } },
      });
      await updateCatalog(this.saver, newThreadId, messages.length, messages.at(-1));
    } catch (error) {
      await this.saver.deleteThread(newThreadId).catch(() => undefined);
      throw error;
    }
    return newThreadId;
  }

  private async showNode(threadId: string, tree: MessageTree, key: number): Promise<BranchView> {
    const headEnd = tree.headCheckpointId === undefined ? -1 : tree.ends.get(tree.headCheckpointId)!;
    if (isOnPath(tree, key, headEnd)) return this.getBranchView(threadId);
    // Looking at another version is not activity: the thread keeps its time and place in the thread list.
    const before = await this.saver.getThreadInfo(threadId);
    await this.requireGraph().updateState(runConfig(threadId, tree.nodes[key]!.latestCheckpointId), null, "__copy__");
    const view = await this.getBranchView(threadId);
    const extra = before ? { [ACTIVITY_KEY]: activityOf(before) } : {};
    await updateCatalog(this.saver, threadId, view.messages.length, view.messages.at(-1)?.message, extra);
    return view;
  }

  /** The node of `messageId`, preferring the one on the shown branch. */
  private async locate(threadId: string, messageId: string, full = false): Promise<{ tree: MessageTree; key: number }> {
    // Planning needs every checkpoint (to find the one before a message); showing needs only the leaves.
    const tree = full ? await this.tree(threadId) : await this.shownTree(threadId);
    const keys = findNodes(tree, messageId);
    if (keys.length === 0)
      throw new BranchError(
        "MESSAGE_NOT_FOUND",
        `No message ${JSON.stringify(messageId)} in thread ${JSON.stringify(threadId)}.`,
      );
    const headEnd = tree.headCheckpointId === undefined ? -1 : tree.ends.get(tree.headCheckpointId)!;
    return { tree, key: keys.find((at) => isOnPath(tree, at, headEnd)) ?? keys[keys.length - 1]! };
  }

  /**
   * The checkpoint to re-run a message from: its messages end just before the message, preferably with a
   * `next` that `prefer` accepts. Found by walking up from the newest checkpoint holding the message (a few
   * reads for a recent message); for a message far back, from the full tree.
   */
  private async checkpointBefore(
    threadId: string,
    messageId: string,
    tree: MessageTree,
    key: number,
    prefer: (next: string[]) => boolean,
  ): Promise<string> {
    const node = tree.nodes[key]!;
    const depth = node.parent === -1 ? 0 : pathTo(tree, node.parent).length;
    const parentId = node.parent === -1 ? undefined : tree.nodes[node.parent]!.message.id;
    let fallback: string | undefined;
    let id: string | undefined = node.latestCheckpointId;
    for (let steps = 0; id !== undefined && steps < WALK_LIMIT; steps++) {
      const tuple = await this.saver.getTuple({
        configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: id },
      });
      if (!tuple) break;
      const messages = toView(tuple).messages;
      if (messages.length < depth) return fallback ?? this.fromFullTree(threadId, messageId, prefer);
      if (messages.length === depth && (depth === 0 || messages[depth - 1]?.id === parentId)) {
        if (prefer((await this.requireGraph().getState(runConfig(threadId, id))).next)) return id;
        fallback ??= id;
      }
      id = tuple.parentConfig?.configurable?.checkpoint_id;
    }
    if (id === undefined && fallback) return fallback;
    return this.fromFullTree(threadId, messageId, prefer);
  }

  private async fromFullTree(
    threadId: string,
    messageId: string,
    prefer: (next: string[]) => boolean,
  ): Promise<string> {
    const { tree, key } = await this.locate(threadId, messageId, true);
    return this.pickCheckpoint(threadId, tree, tree.nodes[key]!.parent, prefer);
  }

  /** Newest checkpoint whose messages end at `end` whose `next` passes `prefer`, else the newest at all. */
  private async pickCheckpoint(
    threadId: string,
    tree: MessageTree,
    end: number,
    prefer: (next: string[]) => boolean,
  ): Promise<string> {
    const candidates = [...tree.ends]
      .filter(([, at]) => at === end)
      .map(([id]) => id)
      .sort()
      .reverse();
    if (candidates.length === 0)
      throw new BranchError(
        "NO_CHECKPOINT",
        "No checkpoint holds the conversation before that message; it cannot be re-run.",
      );
    const graph = this.requireGraph();
    for (const checkpointId of candidates) {
      const snapshot = await graph.getState(runConfig(threadId, checkpointId));
      if (prefer(snapshot.next)) return checkpointId;
    }
    return candidates[0]!;
  }

  private requireGraph(): HistoryGraph {
    if (!this.graph)
      throw new BranchError("NO_GRAPH", "This operation runs the graph; construct ThreadBranches with one.");
    return this.graph;
  }
}

function runConfig(threadId: string, checkpointId: string): PlannedRun["config"] {
  return { configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: checkpointId } };
}

/**
 * An edit replaces what the user typed — the message's first text block — and keeps what was sent with it (the
 * blocks after it: attached files and selections), so the edited question still reaches the model with its context.
 */
function keepSentWith(original: StoredMessage["content"], edited: StoredMessage["content"]): StoredMessage["content"] {
  if (typeof edited !== "string" || !Array.isArray(original) || original.length < 2) return edited;
  if (original[0]?.type !== "text") return edited;
  return [{ type: "text", text: edited }, ...original.slice(1)];
}
