import { describe, expect, it } from "vitest";
import { HumanMessage } from "@langchain/core/messages";
import { IdMap, normalise } from "./normalise";
import { observe } from "./harness";
import { langgraphRuntime, makeSkeinRuntime } from "./runtimes";

describe("differential harness", () => {
  it("ids become tokens in order of first appearance, so the same shape with other ids compares equal", () => {
    const a = normalise(
      {
        id: "1f0c2a4e-1111-6aaa-8000-000000000001",
        parent: "1f0c2a4e-1111-6aaa-8000-000000000000",
        again: "1f0c2a4e-1111-6aaa-8000-000000000001",
      },
      new IdMap(),
    );
    const b = normalise(
      {
        id: "2f0c2a4e-2222-6aaa-8000-000000000009",
        parent: "2f0c2a4e-2222-6aaa-8000-000000000003",
        again: "2f0c2a4e-2222-6aaa-8000-000000000009",
      },
      new IdMap(),
    );
    expect(a).toEqual(b);
    const c = normalise(
      {
        id: "2f0c2a4e-2222-6aaa-8000-000000000009",
        parent: "2f0c2a4e-2222-6aaa-8000-000000000009",
        again: "2f0c2a4e-2222-6aaa-8000-000000000009",
      },
      new IdMap(),
    );
    expect(c).not.toEqual(a);
  });

  it("LangChain message classes and Skein's plain messages reduce to the same { role, content }", () => {
    expect(normalise([new HumanMessage("hi")], new IdMap())).toEqual(
      normalise([{ role: "user", content: "hi", id: "x" }], new IdMap()),
    );
  });

  it("a program that observes something different on the two runtimes yields different observations", async () => {
    const program = async (o: { rt: { name: string }; record: (l: string, v: unknown) => void }) =>
      o.record("runtime", o.rt.name === "skein" ? 1 : 2);
    expect(await observe(makeSkeinRuntime(), program)).not.toEqual(await observe(langgraphRuntime, program));
  });
});
