/**
 * Skein's settings as one validated object. Reading goes through a getter so this file needs no `vscode` import
 * (the glue passes `vscode.workspace.getConfiguration("skein").get`). Out-of-range values fall back to the
 * defaults rather than reaching the API as a confusing 400.
 */
export const DEFAULT_MODEL = "claude-sonnet-5-5";
export const DEFAULT_MAX_TOKENS = 8192;
export const DEFAULT_TIMEOUT_SECONDS = 60;

export interface SkeinSettings {
  model: string;
  /** Empty = Anthropic's API. */
  baseUrl?: string;
  maxTokens: number;
  systemPrompt?: string;
  context: { maxMessages?: number; maxInputTokens?: number };
  /** Seconds of silence before a stalled request is given up. */
  requestTimeoutSeconds: number;
}

export type SettingGetter = (key: string) => unknown;

const positiveInt = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

/** Only http(s) URLs are accepted as a base URL; anything else is ignored (the default API is used). */
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

export function readSettings(get: SettingGetter): SkeinSettings {
  return {
    model: nonEmpty(get("model")) ?? DEFAULT_MODEL,
    baseUrl: validBaseUrl(get("baseUrl")),
    maxTokens: positiveInt(get("maxTokens")) ?? DEFAULT_MAX_TOKENS,
    systemPrompt: nonEmpty(get("systemPrompt")),
    context: {
      maxMessages: positiveInt(get("context.maxMessages")),
      maxInputTokens: positiveInt(get("context.maxInputTokens")),
    },
    requestTimeoutSeconds: positiveInt(get("requestTimeoutSeconds")) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}
