/**
 * Where the Anthropic API key comes from: VS Code's SecretStorage first, then `ANTHROPIC_API_KEY` from the
 * environment. The key is handed only to the model adapter; it never reaches settings, the store, the webview
 * or a log. vscode-free (SecretStorage is passed in as a small interface).
 */
export const SECRET_KEY = "skein.anthropicApiKey";

/** The subset of `vscode.SecretStorage` used here. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export type ApiKeySource = "secret" | "env" | "none";

export class ApiKeyService {
  constructor(
    private readonly secrets: SecretStore,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  async get(): Promise<{ key?: string; source: ApiKeySource }> {
    const stored = await this.secrets.get(SECRET_KEY);
    if (stored) return { key: stored, source: "secret" };
    const fromEnv = this.env.ANTHROPIC_API_KEY?.trim();
    if (fromEnv) return { key: fromEnv, source: "env" };
    return { source: "none" };
  }

  /** Trims, refuses empty or multi-line input (a pasted paragraph is not a key). Returns an error text or undefined. */
  static validate(value: string): string | undefined {
    const key = value.trim();
    if (!key) return "empty";
    if (/\s/.test(key)) return "whitespace";
    return undefined;
  }

  async set(value: string): Promise<void> {
    const problem = ApiKeyService.validate(value);
    if (problem) throw new Error(`Invalid API key (${problem})`);
    await this.secrets.store(SECRET_KEY, value.trim());
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_KEY);
  }
}
