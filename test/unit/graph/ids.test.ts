import { describe, expect, it } from "vitest";
import { newCheckpointId, taskId } from "../../../src/graph/pregel/algo";

describe("ids", () => {
  it("checkpoint ids are uuid v6 and strictly increasing, even many within one millisecond", () => {
    const ids = Array.from({ length: 5_000 }, () => newCheckpointId());
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-6[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("task ids are uuid v5 of the task path under the checkpoint id: deterministic, distinct per path", () => {
    const checkpoint = newCheckpointId();
    const a = taskId(checkpoint, ["", 1, "node", "__pregel_pull", ["branch:to:node"]]);
    expect(taskId(checkpoint, ["", 1, "node", "__pregel_pull", ["branch:to:node"]])).toBe(a);
    expect(taskId(checkpoint, ["", 2, "node", "__pregel_pull", ["branch:to:node"]])).not.toBe(a);
    expect(taskId(newCheckpointId(), ["", 1, "node", "__pregel_pull", ["branch:to:node"]])).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
  });
});
