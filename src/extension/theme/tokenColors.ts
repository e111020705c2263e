/**
 * The active colour theme's syntax colours for the chat's code blocks. VS Code colours code with TextMate scopes
 * (`keyword.control`, `string.quoted.double`, …) matched against the theme's `tokenColors` rules; the chat's
 * highlighter has coarser token kinds. Each kind is resolved here the way VS Code resolves a scope: the rule
 * whose selector is the longest dot-separated prefix of the scope wins, a later rule wins a tie, and the user's
 * `editor.tokenColorCustomizations` come after the theme's own rules. Pure: the files are read by the caller.
 */
import { parse as parseJsonc, type ParseError } from "jsonc-parser/lib/esm/main.js";
import { TOKEN_KINDS, type TokenKind } from "../../protocol/messages";

/**
 * The scope each kind stands for, most typical first: a kind takes the colour of the first of its scopes that
 * some rule colours. The highlighter marks `if`/`return`/`import`… as control keywords and the rest (`let`,
 * `function`, `def`…) as keywords, which the editor's grammars scope as `keyword.control` and `storage.type`.
 */
export const KIND_SCOPES: Record<TokenKind, readonly string[]> = {
  keyword: ["storage.type", "keyword"],
  control: ["keyword.control", "keyword"],
  string: ["string.quoted.double"],
  number: ["constant.numeric"],
  constant: ["constant.language"],
  comment: ["comment.line.double-slash", "comment"],
  function: ["entity.name.function", "support.function"],
  type: ["entity.name.type", "entity.name.class", "support.type", "support.class"],
  variable: ["variable.other.readwrite", "variable"],
  tag: ["entity.name.tag"],
};

/** One `tokenColors` entry, reduced to what colouring needs. */
export interface TokenRule {
  /** Simple selectors (descendant selectors like `source.css variable` need a scope stack; they are dropped). */
  selectors: string[];
  foreground: string;
}

/** A kind's colour (`#rrggbb[aa]`), or `inherit` when the theme leaves it to the editor's plain text colour. */
export type TokenColors = Record<TokenKind, string>;

const HEX = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

export class ThemeFileError extends Error {
  override readonly name = "ThemeFileError";
  readonly code = "THEME_FILE_INVALID";
}

/** Parses a theme file (JSON with comments and trailing commas, as VS Code reads it). */
export function parseThemeFile(text: string, file: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || typeof value !== "object" || value === null || Array.isArray(value))
    throw new ThemeFileError(`${file} is not a colour theme file (JSON object expected)`);
  return value as Record<string, unknown>;
}

/** The colouring rules of a `tokenColors` array (entries without a foreground or a usable scope are skipped). */
export function rulesOf(tokenColors: unknown): TokenRule[] {
  if (!Array.isArray(tokenColors)) return [];
  const rules: TokenRule[] = [];
  for (const entry of tokenColors) {
    if (typeof entry !== "object" || entry === null) continue;
    const { scope, settings } = entry as { scope?: unknown; settings?: { foreground?: unknown } };
    const foreground = settings?.foreground;
    if (typeof foreground !== "string" || !HEX.test(foreground)) continue;
    // A rule without a scope sets the editor's default colours, not a token's.
    const raw = typeof scope === "string" ? scope.split(",") : Array.isArray(scope) ? scope : [];
    const selectors = raw
      .filter((s): s is string => typeof s === "string")
      .map((s) => s.trim())
      .filter((s) => s.length > 0 && !/\s/.test(s));
    if (selectors.length > 0) rules.push({ selectors, foreground });
  }
  return rules;
}

/** True when `selector` names `scope` or one of its parents (`string` matches `string.quoted.double`). */
function matches(selector: string, scope: string): boolean {
  return scope === selector || scope.startsWith(`${selector}.`);
}

/** The colour VS Code gives a token of `scope` under `rules` (longest matching selector; later wins a tie). */
export function colourOf(rules: readonly TokenRule[], scope: string): string | undefined {
  let best: { depth: number; colour: string } | undefined;
  for (const rule of rules) {
    for (const selector of rule.selectors) {
      if (!matches(selector, scope)) continue;
      const depth = selector.split(".").length;
      if (!best || depth >= best.depth) best = { depth, colour: rule.foreground };
    }
  }
  return best?.colour;
}

/** Every kind's colour under `rules`. */
export function resolveTokenColors(rules: readonly TokenRule[]): TokenColors {
  const colours = {} as TokenColors;
  for (const kind of TOKEN_KINDS) {
    let colour: string | undefined;
    for (const scope of KIND_SCOPES[kind]) if ((colour = colourOf(rules, scope))) break;
    colours[kind] = colour ?? "inherit";
  }
  return colours;
}

/** The shorthand keys of `editor.tokenColorCustomizations` and the scopes VS Code gives them. */
const SHORTHANDS: Record<string, string[]> = {
  comments: ["comment", "punctuation.definition.comment"],
  strings: ["string", "meta.embedded.assembly"],
  keywords: ["keyword - keyword.operator", "keyword.control", "storage", "storage.type"],
  numbers: ["constant.numeric"],
  types: ["entity.name.type", "entity.name.class", "support.type", "support.class"],
  functions: ["entity.name.function", "support.function"],
  variables: ["variable", "entity.name.variable"],
};

/**
 * The rules of the user's `editor.tokenColorCustomizations` for the theme `themeId`: the general ones, then the
 * `"[Theme Name]"` block for this theme (shorthands first, then `textMateRules`, as VS Code applies them).
 */
export function customizationRules(customizations: unknown, themeId: string): TokenRule[] {
  if (typeof customizations !== "object" || customizations === null) return [];
  const all = customizations as Record<string, unknown>;
  const blocks = [all, all[`[${themeId}]`]];
  const rules: TokenRule[] = [];
  for (const block of blocks) {
    if (typeof block !== "object" || block === null) continue;
    const b = block as Record<string, unknown>;
    for (const [key, scopes] of Object.entries(SHORTHANDS)) {
      const value = b[key];
      const foreground =
        typeof value === "string" ? value : (value as { foreground?: unknown } | undefined)?.foreground;
      if (typeof foreground === "string" && HEX.test(foreground))
        rules.push({ selectors: scopes.filter((s) => !/\s/.test(s)), foreground });
    }
    rules.push(...rulesOf(b.textMateRules));
  }
  return rules;
}

/** Reads a file of the theme's extension by its path (relative paths are resolved by `resolve`). */
export interface ThemeFiles {
  read(file: string): Promise<string>;
  /** `relative` as seen from the folder of `file`. */
  resolve(file: string, relative: string): string;
}

/** How deep `include` chains may go (dark_modern → dark_plus → dark_vs is 3). */
const MAX_INCLUDES = 8;

/**
 * The theme's token rules, the included themes' first (the including theme overrides them). A theme whose
 * `tokenColors` names a TextMate `.tmTheme` file, or whose files cannot be read, is reported as an error.
 */
export async function loadThemeRules(file: string, files: ThemeFiles, depth = 0): Promise<TokenRule[]> {
  if (depth > MAX_INCLUDES) throw new ThemeFileError(`${file}: too many nested "include"s`);
  const theme = parseThemeFile(await files.read(file), file);
  const rules: TokenRule[] = [];
  if (typeof theme.include === "string")
    rules.push(...(await loadThemeRules(files.resolve(file, theme.include), files, depth + 1)));
  const tokenColors = theme.tokenColors;
  if (typeof tokenColors === "string") {
    const linked = files.resolve(file, tokenColors);
    if (!/\.json$/i.test(linked)) throw new ThemeFileError(`${linked}: TextMate theme files are not read`);
    const value: unknown = parseJsonc(await files.read(linked), [], { allowTrailingComma: true });
    rules.push(...rulesOf(Array.isArray(value) ? value : (value as { tokenColors?: unknown } | null)?.tokenColors));
  } else rules.push(...rulesOf(tokenColors));
  return rules;
}
