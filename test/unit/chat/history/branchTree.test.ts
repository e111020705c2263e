import { describe, expect, it } from "vitest";
import { buildMessageTree, findNodes, pathTo, siblingsOf, viewOf } from "../../../../src/chat/history/branchTree";
import type { CheckpointView } from "../../../../src/chat/history/branchTree";
import type { StoredMessage } from "../../../../src/graph/messages";

const m = (id: string, role: StoredMessage["role"] = "user", content = id): StoredMessage => ({ id, role, content });

/** A chat thread's checkpoint tree: two turns, then an edit of the second question and a regenerate of its reply. */
function views(): CheckpointView[] {
  const u1 = m("u1"),
    a1 = m("a1", "assistant"),
    u2 = m("u2"),
    a2 = m("a2", "assistant"),
    u2b = m("u2b"),
    a2b = m("a2b", "assistant"),
    a2c = m("a2c", "assistant");
  return [
    { checkpointId: "01", messages: [] },
    { checkpointId: "02", parentCheckpointId: "01", messages: [u1] },
    { checkpointId: "03", parentCheckpointId: "02", messages: [u1, a1] },
    { checkpointId: "04", parentCheckpointId: "03", messages: [u1, a1] },
    { checkpointId: "05", parentCheckpointId: "04", messages: [u1, a1, u2] },
    { checkpointId: "06", parentCheckpointId: "05", messages: [u1, a1, u2, a2] },
    // edit of u2: input checkpoint forked from 03
    { checkpointId: "07", parentCheckpointId: "03", messages: [u1, a1] },
    { checkpointId: "08", parentCheckpointId: "07", messages: [u1, a1, u2b] },
    { checkpointId: "09", parentCheckpointId: "08", messages: [u1, a1, u2b, a2b] },
    // regenerate a2b: fork of 08, then a new reply
    { checkpointId: "10", parentCheckpointId: "08", messages: [u1, a1, u2b] },
    { checkpointId: "11", parentCheckpointId: "10", messages: [u1, a1, u2b, a2c] },
  ];
}

describe("message tree from a checkpoint tree", () => {
  it("turns forks into siblings ordered by creation, whatever order checkpoints arrive in", () => {
    for (const input of [views(), views().reverse()]) {
      const tree = buildMessageTree(input);
      const ids = (keys: number[]) => keys.map((key) => tree.nodes[key]!.message.id);
      expect(ids(tree.roots)).toEqual(["u1"]);
      const [u2] = findNodes(tree, "u2");
      expect(ids(siblingsOf(tree, u2!))).toEqual(["u2", "u2b"]);
      const [a2c] = findNodes(tree, "a2c");
      expect(ids(siblingsOf(tree, a2c!))).toEqual(["a2b", "a2c"]);
      expect(tree.headCheckpointId).toBe("11");
      expect(ids(pathTo(tree, tree.ends.get("11")!))).toEqual(["u1", "a1", "u2b", "a2c"]);
      expect(tree.ends.get("01")).toBe(-1);
      expect(tree.nodes[u2!]!.latestCheckpointId).toBe("06");
    }
  });

  it("views the head's branch with ‹ i/n › positions", () => {
    const view = viewOf("t", buildMessageTree(views()));
    expect(view.messages.map((entry) => [entry.message.id, entry.siblings.index + 1, entry.siblings.count])).toEqual([
      ["u1", 1, 1],
      ["a1", 1, 1],
      ["u2b", 2, 2],
      ["a2c", 2, 2],
    ]);
    expect(view.messages[2]!.siblings.messageIds).toEqual(["u2", "u2b"]);
    expect(view.branchCount).toBe(3);
  });

  it("keeps the newest content of a message replaced in place, and an empty thread is empty", () => {
    const tree = buildMessageTree([
      { checkpointId: "1", messages: [m("u1"), { id: "a1", role: "assistant", content: "partial" }] },
      {
        checkpointId: "2",
        parentCheckpointId: "1",
        messages: [m("u1"), { id: "a1", role: "assistant", content: "complete" }],
      },
    ]);
    expect(tree.nodes[findNodes(tree, "a1")[0]!]!.message.content).toBe("complete");
    expect(viewOf("t", buildMessageTree([])).messages).toEqual([]);
  });
});
