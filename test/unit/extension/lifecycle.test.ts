/** The Disposable base: what an owner registers is disposed with it, once, newest first, even after a failure. */
import { describe, expect, it } from "vitest";
import { Disposable, disposeAll, toDisposable } from "../../../src/extension/lifecycle";

class Owner extends Disposable {
  add(name: string, log: string[], fail = false) {
    return this._register(
      toDisposable(() => {
        log.push(name);
        if (fail) throw new Error(`${name} failed`);
      }),
    );
  }
}

describe("Disposable", () => {
  it("disposes what it registered, newest first, and only once", () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.add("tree", log);
    owner.add("view", log);
    owner.add("commands", log);
    owner.dispose();
    owner.dispose();
    expect(log).toEqual(["commands", "view", "tree"]);
  });

  it("a registration after dispose is disposed at once", () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.dispose();
    owner.add("late", log);
    expect(log).toEqual(["late"]);
  });

  it("one failing dispose does not keep the others alive; the first error is reported", () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.add("a", log);
    owner.add("b", log, true);
    owner.add("c", log, true);
    expect(() => owner.dispose()).toThrow("c failed");
    expect(log).toEqual(["c", "b", "a"]);
    expect(disposeAll([])).toBeUndefined();
  });
});
