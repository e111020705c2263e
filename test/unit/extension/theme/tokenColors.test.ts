import { readFile } from "node:fs/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  colourOf,
  customizationRules,
  loadThemeRules,
  resolveTokenColors,
  rulesOf,
  type ThemeFiles,
} from "../../../../src/extension/theme/tokenColors";

/** VS Code's own built-in themes (theme-defaults, as VS Code 1.139 ships them). */
const THEMES = resolve(__dirname, "../../../fixtures/themes");
const files: ThemeFiles = {
  read: (file) => readFile(file, "utf8"),
  resolve: (file, relative) => join(dirname(file), relative),
};
const scratch = mkdtempSync(join(tmpdir(), "skein-theme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("syntax colours from the active theme's token rules", () => {
  it("Dark Modern: its include chain (dark_modern → dark_plus → dark_vs) gives the editor's colours per kind", async () => {
    const rules = await loadThemeRules(join(THEMES, "dark_modern.json"), files);
    expect(resolveTokenColors(rules)).toEqual({
      keyword: "#569cd6", // dark_vs "storage.type"
      control: "#C586C0", // dark_plus "keyword.control" over dark_vs "keyword"
      string: "#ce9178",
      number: "#b5cea8",
      constant: "#569cd6",
      comment: "#6A9955",
      function: "#DCDCAA", // dark_plus overrides
      type: "#4EC9B0",
      variable: "#9CDCFE",
      tag: "#569cd6",
    });
  });

  it("Light+: the light theme's own colours, dark_plus's never leak in", async () => {
    const colours = resolveTokenColors(await loadThemeRules(join(THEMES, "light_plus.json"), files));
    expect(colours).toMatchObject({
      keyword: "#0000ff",
      control: "#AF00DB",
      string: "#a31515",
      number: "#098658",
      comment: "#008000",
      function: "#795E26",
      type: "#267f99",
      variable: "#001080",
      tag: "#800000",
    });
  });

  it("the longest matching selector wins, a later rule wins a tie, descendant selectors and bad colours are ignored", () => {
    const rules = rulesOf([
      { scope: "keyword", settings: { foreground: "#111111" } },
      { scope: "keyword.control", settings: { foreground: "#222222" } },
      { scope: ["keyword"], settings: { foreground: "#333333" } },
      { scope: "source.ts keyword.control", settings: { foreground: "#444444" } },
      { scope: "keyword.control.flow", settings: { foreground: "red" } },
      { scope: "keywords", settings: { foreground: "#555555" } },
      { settings: { foreground: "#666666" } },
    ]);
    expect(colourOf(rules, "keyword.control.flow.ts")).toBe("#222222");
    expect(resolveTokenColors(rules)).toMatchObject({ keyword: "#333333", control: "#222222" });
    expect(colourOf(rules, "keyword.other")).toBe("#333333");
    expect(colourOf(rules, "keywordish")).toBeUndefined();
    // A theme that colours no variables leaves them to the editor's plain text colour.
    expect(resolveTokenColors(rules).variable).toBe("inherit");
  });

  it("the user's editor.tokenColorCustomizations come on top: shorthands, textMateRules, the theme's own block", async () => {
    const theme = await loadThemeRules(join(THEMES, "dark_modern.json"), files);
    const custom = customizationRules(
      {
        comments: "#aaaaaa",
        textMateRules: [{ scope: "string.quoted", settings: { foreground: "#bbbbbb" } }],
        "[Dark Modern]": { numbers: { foreground: "#cccccc" } },
        "[Light+]": { keywords: "#dddddd" },
      },
      "Dark Modern",
    );
    expect(resolveTokenColors([...theme, ...custom])).toMatchObject({
      comment: "#aaaaaa",
      string: "#bbbbbb",
      number: "#cccccc",
      keyword: "#569cd6",
    });
  });

  it("reads theme files as VS Code does (comments, trailing commas, tokenColors in a linked .json); a .tmTheme or broken file is an error", async () => {
    writeFileSync(
      join(scratch, "mine.json"),
      `// a hand-written theme
{ "name": "Mine", "include": "./base.json", "tokenColors": "./tokens.json", }`,
    );
    writeFileSync(
      join(scratch, "base.json"),
      `{ "tokenColors": [ { "scope": "comment", "settings": { "foreground": "#010101" } }, ] }`,
    );
    writeFileSync(
      join(scratch, "tokens.json"),
      `[ /* keywords */ { "scope": "keyword", "settings": { "foreground": "#020202" } } ]`,
    );
    const colours = resolveTokenColors(await loadThemeRules(join(scratch, "mine.json"), files));
    expect(colours).toMatchObject({ comment: "#010101", keyword: "#020202", string: "inherit" });

    writeFileSync(join(scratch, "old.json"), `{ "tokenColors": "./old.tmTheme" }`);
    await expect(loadThemeRules(join(scratch, "old.json"), files)).rejects.toMatchObject({
      code: "THEME_FILE_INVALID",
    });
    writeFileSync(join(scratch, "broken.json"), `{ "tokenColors": [ `);
    await expect(loadThemeRules(join(scratch, "broken.json"), files)).rejects.toMatchObject({
      name: "ThemeFileError",
    });
    writeFileSync(join(scratch, "loop.json"), `{ "include": "./loop.json" }`);
    await expect(loadThemeRules(join(scratch, "loop.json"), files)).rejects.toThrow(/include/);
  });
});
