import { describe, expect, it } from "vitest";
import { ApiKeyService, SECRET_KEY, type SecretStore } from "../../../../src/extension/settings/apiKey";
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODEL,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_TOOL_SETTINGS,
  InvalidSettingError,
  readSettings,
  validBaseUrl,
} from "../../../../src/extension/settings/settings";
import { MemorySaver } from "../../../../src/checkpoint";
import { ThreadServices } from "../../../../src/extension/engine/threadServices";
import { toErrorView } from "../../../../src/extension/chat/view/messageView";
import { TurnRejectedError } from "../../../../src/extension/chat/turns/turnErrors";

/** An in-memory SecretStorage (the real one is VS Code's; the in-editor suite covers it). */
class Secrets implements SecretStore {
  readonly map = new Map<string, string>();
  async get(key: string) {
    return this.map.get(key);
  }
  async store(key: string, value: string) {
    this.map.set(key, value);
  }
  async delete(key: string) {
    this.map.delete(key);
  }
}

describe("settings", () => {
  it("defaults to a current Claude model and sane limits", () => {
    const s = readSettings(() => undefined);
    expect(s).toEqual({
      model: DEFAULT_MODEL,
      baseUrl: undefined,
      maxTokens: DEFAULT_MAX_TOKENS,
      systemPrompt: undefined,
      context: { maxMessages: undefined, maxInputTokens: undefined },
      requestTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
      tools: DEFAULT_TOOL_SETTINGS,
    });
    expect(DEFAULT_MODEL).toBe("claude-sonnet-5-5");
    expect(DEFAULT_TOOL_SETTINGS).toMatchObject({ enabled: true, maxRounds: 25, external: false });
  });

  it("reads every setting and ignores invalid values", () => {
    const values: Record<string, unknown> = {
      model: " claude-opus-5-5 ",
      baseUrl: "http://127.0.0.1:8080/",
      maxTokens: 1024,
      systemPrompt: "Be brief.",
      "context.maxMessages": 10,
      "context.maxInputTokens": 5000,
      requestTimeoutSeconds: 30,
      "tools.enabled": false,
      "tools.maxRounds": 5,
      "tools.external": true,
      "tools.maxFileBytes": 2048,
      "tools.maxOutputBytes": 4096,
      "tools.commandTimeoutSeconds": 9,
    };
    expect(readSettings((k) => values[k])).toEqual({
      model: "claude-opus-5-5",
      baseUrl: "http://127.0.0.1:8080",
      maxTokens: 1024,
      systemPrompt: "Be brief.",
      context: { maxMessages: 10, maxInputTokens: 5000 },
      requestTimeoutSeconds: 30,
      tools: {
        enabled: false,
        maxRounds: 5,
        external: true,
        maxFileBytes: 2048,
        maxOutputBytes: 4096,
        commandTimeoutSeconds: 9,
      },
    });
    const bad: Record<string, unknown> = {
      model: "",
      maxTokens: -5,
      "context.maxMessages": 2.5,
      requestTimeoutSeconds: "60",
      baseUrl: "file:///etc/passwd",
      "tools.enabled": "yes",
      "tools.maxRounds": 0,
    };
    const s = readSettings((k) => bad[k]);
    // A mistyped tool setting falls back to its default rather than turning the tools off or to zero rounds.
    expect([s.tools.enabled, s.tools.maxRounds]).toEqual([true, 25]);
    expect([s.model, s.maxTokens, s.context.maxMessages, s.requestTimeoutSeconds, s.baseUrl]).toEqual([
      DEFAULT_MODEL,
      DEFAULT_MAX_TOKENS,
      undefined,
      DEFAULT_TIMEOUT_SECONDS,
      undefined,
    ]);
    // …but a base URL that is set and unusable is an error, not "the default API".
    expect(s.baseUrlError).toBeInstanceOf(InvalidSettingError);
  });

  it("a non-http(s) baseUrl (e.g. 'localhost:11434', which parses with protocol 'localhost:') is a settings error, never the default API", () => {
    for (const value of ["localhost:11434", "127.0.0.1:8080", "file:///etc/passwd", "not a url", "ws://localhost:1"]) {
      const s = readSettings((k) => (k === "baseUrl" ? value : undefined));
      expect(s.baseUrl).toBeUndefined();
      expect(s.baseUrlError).toBeInstanceOf(InvalidSettingError);
      expect(s.baseUrlError).toMatchObject({
        code: "INVALID_SETTING",
        setting: "skein.baseUrl",
        name: "InvalidSettingError",
      });
      expect(s.baseUrlError?.message).toContain("skein.baseUrl must be an http(s) URL like http://localhost:11434");
      expect(s.baseUrlError?.message).toContain(JSON.stringify(value));
      expect(s.baseUrlError?.message).toMatch(/fix it in Settings/);
    }
    for (const unset of [undefined, "", "  "])
      expect(readSettings((k) => (k === "baseUrl" ? unset : undefined)).baseUrlError).toBeUndefined();
    const ok = readSettings((k) => (k === "baseUrl" ? "http://localhost:11434" : undefined));
    expect([ok.baseUrl, ok.baseUrlError]).toEqual(["http://localhost:11434", undefined]);
  });

  it("a turn with an invalid baseUrl is refused before anything is sent or stored: TurnRejectedError INVALID_SETTING with the text back", async () => {
    const saver = new MemorySaver();
    const settings = readSettings((k) => (k === "baseUrl" ? "localhost:11434" : undefined));
    const events: unknown[] = [];
    const services = new ThreadServices({
      dirFor: () => "unused",
      settings: () => settings,
      apiKey: async () => "sk-ant-test-secret-key",
      createSaver: async () => saver,
    });
    const error = await services
      .runTurn({ scope: "here", threadId: "t" }, "my question", {
        signal: new AbortController().signal,
        onEvent: (e) => void events.push(e),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(TurnRejectedError);
    expect(error).toMatchObject({ code: "INVALID_SETTING", unsentText: "my question" });
    expect((error as Error).message).toContain("skein.baseUrl must be an http(s) URL");
    expect(toErrorView(error)).toMatchObject({ code: "INVALID_SETTING", actions: [] });
    expect(events).toEqual([]);
    expect(await saver.getTuple({ configurable: { thread_id: "t", checkpoint_ns: "" } })).toBeUndefined();
  });

  it("accepts only http(s) base URLs", () => {
    expect(validBaseUrl("https://proxy.example/v")).toBe("https://proxy.example/v");
    for (const bad of ["javascript:alert(1)", "ftp://x", "not a url", "", "   ", 42])
      expect(validBaseUrl(bad)).toBeUndefined();
  });
});

describe("API key", () => {
  it("prefers the stored key, then ANTHROPIC_API_KEY, else none", async () => {
    const secrets = new Secrets();
    const env: Record<string, string | undefined> = {};
    const keys = new ApiKeyService(secrets, env);
    expect(await keys.get()).toEqual({ source: "none" });
    env.ANTHROPIC_API_KEY = " sk-env ";
    expect(await keys.get()).toEqual({ key: "sk-env", source: "env" });
    await keys.set("  sk-stored\n");
    expect(secrets.map.get(SECRET_KEY)).toBe("sk-stored");
    expect(await keys.get()).toEqual({ key: "sk-stored", source: "secret" });
    await keys.clear();
    expect(await keys.get()).toEqual({ key: "sk-env", source: "env" });
  });

  it("refuses empty or multi-word input and stores nothing", async () => {
    const secrets = new Secrets();
    const keys = new ApiKeyService(secrets, {});
    expect(ApiKeyService.validate("")).toBe("empty");
    expect(ApiKeyService.validate("two words")).toBe("whitespace");
    await expect(keys.set("   ")).rejects.toThrow(/Invalid API key/);
    await expect(keys.set("a b")).rejects.toThrow(/Invalid API key \(whitespace\)/);
    expect(secrets.map.size).toBe(0);
  });
});
