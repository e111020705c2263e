/**
 * Finds the active colour theme's file among the installed extensions (`contributes.themes`, by the
 * `workbench.colorTheme` setting or, when VS Code follows the OS, the preferred theme of the active kind), reads
 * its token colours with the user's customisations, and follows changes. When the theme cannot be read, the
 * chat keeps its stylesheet's colours (the theme's own colour variables).
 */
import * as vscode from "vscode";
import { customizationRules, loadThemeRules, resolveTokenColors, type TokenColors } from "./tokenColors";

interface ThemeContribution {
  id?: unknown;
  label?: unknown;
  uiTheme?: unknown;
  path?: unknown;
}

const UI_THEME: Record<number, string[]> = {
  [vscode.ColorThemeKind.Light]: ["vs"],
  [vscode.ColorThemeKind.Dark]: ["vs-dark"],
  [vscode.ColorThemeKind.HighContrast]: ["hc-black"],
  [vscode.ColorThemeKind.HighContrastLight]: ["hc-light"],
};

/** Every theme the installed extensions contribute, with the file it lives in. */
function contributedThemes(): Array<{ id: string; uiTheme: string; file: vscode.Uri }> {
  const out: Array<{ id: string; uiTheme: string; file: vscode.Uri }> = [];
  for (const extension of vscode.extensions.all) {
    const themes = (extension.packageJSON as { contributes?: { themes?: unknown } } | undefined)?.contributes?.themes;
    if (!Array.isArray(themes)) continue;
    for (const theme of themes as ThemeContribution[]) {
      // The setting names a theme by its id, or by its label when it has none.
      const id = typeof theme.id === "string" ? theme.id : typeof theme.label === "string" ? theme.label : undefined;
      if (!id || typeof theme.path !== "string") continue;
      out.push({
        id,
        uiTheme: typeof theme.uiTheme === "string" ? theme.uiTheme : "",
        file: vscode.Uri.joinPath(extension.extensionUri, theme.path),
      });
    }
  }
  return out;
}

/** The active theme: the chosen one if it is of the kind VS Code shows, else the preferred theme of that kind. */
function activeTheme(): { id: string; file: vscode.Uri } | undefined {
  const workbench = vscode.workspace.getConfiguration("workbench");
  const kind = vscode.window.activeColorTheme.kind;
  const themes = contributedThemes();
  const preferred = {
    [vscode.ColorThemeKind.Light]: "preferredLightColorTheme",
    [vscode.ColorThemeKind.Dark]: "preferredDarkColorTheme",
    [vscode.ColorThemeKind.HighContrast]: "preferredHighContrastColorTheme",
    [vscode.ColorThemeKind.HighContrastLight]: "preferredHighContrastLightColorTheme",
  }[kind];
  const candidates = [workbench.get<string>("colorTheme"), preferred ? workbench.get<string>(preferred) : undefined];
  for (const id of candidates) {
    const theme = themes.find((t) => t.id === id && UI_THEME[kind]?.includes(t.uiTheme));
    if (theme) return theme;
  }
  return undefined;
}

async function readText(file: string): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(file)));
}

/** The active theme's colour per token kind, or undefined when it cannot be found or read. */
export async function readActiveTokenColors(): Promise<TokenColors | undefined> {
  const theme = activeTheme();
  if (!theme) return undefined;
  try {
    const rules = await loadThemeRules(theme.file.toString(), {
      read: readText,
      resolve: (file, relative) => vscode.Uri.joinPath(vscode.Uri.parse(file), "..", relative).toString(),
    });
    const custom = customizationRules(
      vscode.workspace.getConfiguration("editor").get("tokenColorCustomizations"),
      theme.id,
    );
    return resolveTokenColors([...rules, ...custom]);
  } catch (error) {
    console.warn(
      `[skein] syntax colours fall back to the theme's colour variables: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

/**
 * Keeps the active theme's token colours: read now, and again when the theme, the customisations or the
 * installed extensions change. `onChange` gets every new value (undefined: use the fallback colours).
 */
export class ThemeTokenColors implements vscode.Disposable {
  private current: TokenColors | undefined;
  private seq = 0;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly onChange: (colors: TokenColors | undefined) => void) {
    this.subscriptions = [
      vscode.window.onDidChangeActiveColorTheme(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("editor.tokenColorCustomizations") || e.affectsConfiguration("workbench"))
          this.refresh();
      }),
      vscode.extensions.onDidChange(() => this.refresh()),
    ];
    // Not during activation: the first read walks every installed extension's manifest.
    const first = setTimeout(() => this.refresh(), 0);
    this.subscriptions.push({ dispose: () => clearTimeout(first) });
  }

  /** The colours read last (undefined until read, or when the theme cannot be read). */
  get colors(): TokenColors | undefined {
    return this.current;
  }

  refresh(): void {
    const seq = ++this.seq;
    void readActiveTokenColors().then((colors) => {
      // A newer change overtook this read.
      if (seq !== this.seq) return;
      if (JSON.stringify(colors) === JSON.stringify(this.current)) return;
      this.current = colors;
      this.onChange(colors);
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
