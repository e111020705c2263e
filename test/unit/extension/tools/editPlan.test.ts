import { describe, expect, it } from "vitest";
import { applyPlan, EditTargetError, planEdit } from "../../../../src/extension/tools/editPlan";

describe("edit_file's target", () => {
  it("replaces the one occurrence", () => {
    const text = "const a = 1;\nconst b = 2;\n";
    expect(applyPlan(text, planEdit(text, "b = 2", "b = 3", "x.ts"))).toBe("const a = 1;\nconst b = 3;\n");
  });

  it("refuses text that is missing or occurs twice, with a message the model can act on", () => {
    const text = "x\nx\n";
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(EditTargetError);
        return { code: (error as EditTargetError).code, message: (error as Error).message };
      }
      return undefined;
    };
    expect(codeOf(() => planEdit(text, "x", "y", "a.ts"))).toMatchObject({
      code: "OLD_TEXT_NOT_UNIQUE",
      message: expect.stringContaining("a.ts"),
    });
    expect(codeOf(() => planEdit(text, "z", "y", "a.ts"))).toMatchObject({
      code: "OLD_TEXT_NOT_FOUND",
      message: expect.stringContaining("read the file again"),
    });
  });

  it("matches a Windows file's CRLF lines and writes the replacement with them", () => {
    const text = "one\r\ntwo\r\nthree\r\n";
    const plan = planEdit(text, "one\ntwo", "uno\ndos", "w.txt");
    expect(applyPlan(text, plan)).toBe("uno\r\ndos\r\nthree\r\n");
  });
});
