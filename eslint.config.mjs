// Lint rules that keep the layers pointing one way and the house style checkable. `npm run lint` runs this and
// the import-cycle check; `npm test` runs lint first.
import tseslint from "typescript-eslint";

/** The only packages the webview bundle may import besides src/protocol. A syntax highlighter may join them. */
const WEBVIEW_PACKAGES = ["markdown-it", "dompurify", "highlight.js", "shiki", "lowlight"];

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/**
 * What a webview file `depth` folders below src/webview may import: relative paths that stay inside src/webview,
 * src/protocol, and the packages above; anything else matches.
 */
function webviewForbidden(depth) {
  const up = (n) => "\\.\\./".repeat(n);
  const inside = ["\\./", ...Array.from({ length: depth }, (_, i) => `${up(i + 1)}(?!\\.\\./)`)];
  const allowed = [...inside, `${up(depth + 1)}protocol/`, `(?:${WEBVIEW_PACKAGES.map(escape).join("|")})(?:/|$)`];
  return `^(?!(?:${allowed.join("|")})).*`;
}
/** The webview's files by depth: its entry points and app at the top, feature folders (and their folders) below. */
const WEBVIEW_DEPTHS = ["src/webview/*.ts", "src/webview/*/*.ts", "src/webview/*/*/*.ts"];

const noVscode = {
  name: "vscode",
  message: "Only src/extension imports `vscode`: keep this layer testable in plain vitest.",
};
const noLangGraph = { group: ["@langchain/*"], message: "LangGraph.js packages are for tests and benchmarks only." };

/** `no-restricted-imports` for one layer: `vscode` is always out; `above` lists the folders it must not reach up into. */
function layer(files, above) {
  return {
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [noVscode],
          patterns: [
            noLangGraph,
            ...above.map((folder) => ({
              group: [`**/${folder}`, `**/${folder}/*`],
              message: `Layers import downward only: this layer must not import src/${folder}.`,
            })),
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".cache/**", ".vscode-test/**", "test-results/**", "l10n/**"] },
  // Directives naming rules this config does not enable (e.g. no-explicit-any) are tolerated, not reported.
  { linterOptions: { reportUnusedDisableDirectives: "off" } },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.base],
    rules: {
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { args: "none", caughtErrors: "none", ignoreRestSiblings: true }],
      "require-yield": "error",
      "no-control-regex": "error",
      "no-restricted-syntax": ["error", { selector: "ExportDefaultDeclaration", message: "Use named exports." }],
    },
  },
  { files: ["*.config.ts"], rules: { "no-restricted-syntax": "off" } },
  layer(["src/checkpoint/**/*.ts"], ["graph", "model", "chat", "protocol", "extension", "webview"]),
  layer(["src/graph/**/*.ts"], ["model", "chat", "protocol", "extension", "webview"]),
  layer(["src/model/**/*.ts"], ["chat", "protocol", "extension", "webview"]),
  layer(["src/chat/**/*.ts"], ["protocol", "extension", "webview"]),
  layer(["src/protocol/**/*.ts"], ["graph", "checkpoint", "model", "chat", "extension", "webview"]),
  {
    files: ["src/extension/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            noLangGraph,
            {
              group: ["**/webview", "**/webview/*"],
              message: "The host talks to the webview only through src/protocol.",
            },
          ],
        },
      ],
    },
  },
  ...WEBVIEW_DEPTHS.map((files, depth) => ({
    files: [files],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [noVscode],
          patterns: [
            {
              regex: webviewForbidden(depth),
              message: `The webview imports only src/protocol and ${WEBVIEW_PACKAGES.join(", ")}.`,
            },
          ],
        },
      ],
    },
  })),
);
