/**
 * Skein's settings as one validated object. Reading goes through a getter so this file needs no `vscode` import
 * (the glue passes `vscode.workspace.getConfiguration("skein").get`). Out-of-range values fall back to the
 * defaults rather than reaching the API as a confusing 400.
 */
export const DEFAULT_MODEL = "claude-sonnet-5-5";
export const DEFAULT_MAX_TOKENS = 8192;
export const DEFAULT_TIMEOUT_SECONDS = 60;

/**
 * A setting whose value cannot be used, found when settings are read; a turn is refused with it (the chat shows
 * `message`, code INVALID_SETTING) rather than falling back to a default that changes where requests go.
 */
export class InvalidSettingError extends Error {
  override readonly name = "InvalidSettingError";
  readonly code = "INVALID_SETTING";
  constructor(
    /** The full setting id, e.g. "skein.baseUrl". */
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SkeinSettings {
  model: string;
  /** Not set = Anthropic's API. */
  baseUrl?: string;
  /**
   * Set when `skein.baseUrl` has a value that is not an http(s) URL (e.g. "localhost:11434"): `baseUrl` is then
   * undefined, and a turn MUST be refused with this error — never sent to the default API with the key.
   */
  baseUrlError?: InvalidSettingError;
  maxTokens: number;
  systemPrompt?: string;
  context: { maxMessages?: number; maxInputTokens?: number };
  /** Seconds of silence before a stalled request is given up. */
  requestTimeoutSeconds: number;
  tools: ToolSettingValues;
}

/** What the model may do in the workspace (`skein.tools.*`). */
export interface ToolSettingValues {
  /** Offer the workspace tools at all. */
  enabled: boolean;
  /** Model ⇄ tool rounds per turn before the turn stops with a note. */
  maxRounds: number;
  /** Offer tools other extensions contribute (`vscode.lm.tools`); each call asks first. */
  external: boolean;
  /** Largest file `read_file` returns whole (bytes); larger files must be read by line range. */
  maxFileBytes: number;
  /** Output of `run_command` kept and returned (bytes); the rest is cut with a note. */
  maxOutputBytes: number;
  /** A command still running after this many seconds is stopped. */
  commandTimeoutSeconds: number;
}

export const DEFAULT_TOOL_SETTINGS: ToolSettingValues = {
  enabled: true,
  maxRounds: 25,
  external: false,
  maxFileBytes: 1024 * 1024,
  maxOutputBytes: 64 * 1024,
  commandTimeoutSeconds: 120,
};

export type SettingGetter = (key: string) => unknown;

const positiveInt = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

/** Only http(s) URLs are accepted as a base URL (undefined for anything else; readSettings reports it). */
export function validBaseUrl(value: unknown): string | undefined {
  const text = nonEmpty(value);
  if (!text) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? text.replace(/\/+$/, "") : undefined;
  } catch {
    return undefined;
  }
}

/** The base URL setting: a usable URL, nothing set, or an error that must stop the turn. */
export function readBaseUrl(value: unknown): { baseUrl?: string; baseUrlError?: InvalidSettingError } {
  const baseUrl = validBaseUrl(value);
  if (baseUrl || nonEmpty(value) === undefined) return { baseUrl };
  const shown = typeof value === "string" ? JSON.stringify(value.trim()) : (JSON.stringify(value) ?? String(value));
  return {
    baseUrl: undefined,
    baseUrlError: new InvalidSettingError(
      "skein.baseUrl",
      `skein.baseUrl must be an http(s) URL like http://localhost:11434 (it is ${shown}) — fix it in Settings, or clear it to use Anthropic's API.`,
    ),
  };
}

export function readSettings(get: SettingGetter): SkeinSettings {
  const { baseUrl, baseUrlError } = readBaseUrl(get("baseUrl"));
  return {
    model: nonEmpty(get("model")) ?? DEFAULT_MODEL,
    baseUrl,
    ...(baseUrlError ? { baseUrlError } : {}),
    maxTokens: positiveInt(get("maxTokens")) ?? DEFAULT_MAX_TOKENS,
    systemPrompt: nonEmpty(get("systemPrompt")),
    context: {
      maxMessages: positiveInt(get("context.maxMessages")),
      maxInputTokens: positiveInt(get("context.maxInputTokens")),
    },
    requestTimeoutSeconds: positiveInt(get("requestTimeoutSeconds")) ?? DEFAULT_TIMEOUT_SECONDS,
    tools: readToolSettings(get),
  };
}

export function readToolSettings(get: SettingGetter): ToolSettingValues {
  const bool = (value: unknown, fallback: boolean) => (typeof value === "boolean" ? value : fallback);
  const d = DEFAULT_TOOL_SETTINGS;
  return {
    enabled: bool(get("tools.enabled"), d.enabled),
    maxRounds: positiveInt(get("tools.maxRounds")) ?? d.maxRounds,
    external: bool(get("tools.external"), d.external),
    maxFileBytes: positiveInt(get("tools.maxFileBytes")) ?? d.maxFileBytes,
    maxOutputBytes: positiveInt(get("tools.maxOutputBytes")) ?? d.maxOutputBytes,
    commandTimeoutSeconds: positiveInt(get("tools.commandTimeoutSeconds")) ?? d.commandTimeoutSeconds,
  };
}
