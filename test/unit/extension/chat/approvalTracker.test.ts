import { describe, expect, it } from "vitest";
import { ApprovalTracker } from "../../../../src/extension/chat/approvalTracker";
import { Memento } from "../../../fixtures/memento";

describe("threads waiting for approval", () => {
  it("counts per thread and per scope, survives a reload through workspaceState, and tells listeners", () => {
    const state = new Memento();
    const tracker = new ApprovalTracker(state);
    let changes = 0;
    tracker.onDidChange(() => changes++);
    tracker.set({ scope: "w", threadId: "t1" }, 2);
    tracker.set({ scope: "w", threadId: "t2" }, 1);
    tracker.set({ scope: "other", threadId: "t3" }, 5);
    tracker.set({ scope: "w", threadId: "t2" }, 1); // unchanged: no event
    expect(tracker.total("w")).toBe(3);
    expect(changes).toBe(3);
    const reloaded = new ApprovalTracker(state);
    expect(reloaded.waiting({ scope: "w", threadId: "t1" })).toBe(2);
    expect(reloaded.total("other")).toBe(5);
    reloaded.set({ scope: "w", threadId: "t1" }, 0);
    expect(new ApprovalTracker(state).total("w")).toBe(1);
  });
});
