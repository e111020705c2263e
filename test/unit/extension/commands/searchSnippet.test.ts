import { describe, expect, it } from "vitest";
import { plainSnippet } from "../../../../src/extension/commands/searchSnippet";

describe("search snippets", () => {
  it("show a reply's markdown as the words a reader sees", () => {
    expect(plainSnippet("# Heading one\n\n## Heading two\n\nSome **bold** and *italic* text with `inline code`.")).toBe(
      "Heading one Heading two Some bold and italic text with inline code.",
    );
    expect(plainSnippet("- first item\n- second item\n  1. one\n> a quote with [a link](https://example.com)")).toBe(
      "first item second item one a quote with a link",
    );
    expect(plainSnippet("```ts\nconst x = 1;\n```")).toBe("const x = 1;");
  });

  it("leave ordinary text alone (a # or * that is not markup stays)", () => {
    expect(plainSnippet("issue #12 costs 2 * 3 dollars, snake_case_name")).toBe(
      "issue #12 costs 2 * 3 dollars, snake_case_name",
    );
    expect(plainSnippet("…carol said hi")).toBe("…carol said hi");
  });
});
