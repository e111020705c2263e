/**
 * Builds a store's thread service from the editor's settings and key (part of the lazily loaded engine
 * bundle): the Anthropic model is rebuilt only when a setting that shapes it changes, and it is resolved per
 * turn, so a new key or model setting applies to the next turn without a restart.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import { ThreadService } from "../../chat/threadService";
import { AnthropicChatModel } from "../../model/anthropic";
import type { ChatModel } from "../../model/types";
import type { SkeinSettings } from "../settings/settings";
import type { ToolSettings, WorkspaceHost } from "../../chat/tools/types";

export interface ServiceSettings {
  settings(): SkeinSettings;
  apiKey(): Promise<string | undefined>;
  searchFile?: string;
  /** The editor's side of the workspace tools, read per turn. */
  workspaceHost?(): WorkspaceHost | undefined;
}

/** A local server behind `skein.baseUrl` may need no key; the SDK still wants one to send. */
const NO_KEY_PLACEHOLDER = "skein-no-key";

export function createThreadService(saver: BaseCheckpointSaver, options: ServiceSettings): ThreadService {
  let model: { signature: string; model: ChatModel } | undefined;
  const modelFor = (settings: SkeinSettings, apiKey: string | undefined): ChatModel => {
    const key = apiKey ?? (settings.baseUrl ? NO_KEY_PLACEHOLDER : undefined);
    const signature = JSON.stringify([
      settings.model,
      settings.baseUrl,
      settings.maxTokens,
      settings.requestTimeoutSeconds,
      key,
    ]);
    if (model?.signature !== signature) {
      model = {
        signature,
        model: new AnthropicChatModel({
          apiKey: key,
          baseURL: settings.baseUrl,
          model: settings.model,
          maxTokens: settings.maxTokens,
          idleTimeoutMs: settings.requestTimeoutSeconds * 1000,
          // One deadline for the whole wait until the reply starts (retries included), as the setting says.
          requestTimeoutMs: settings.requestTimeoutSeconds * 1000,
        }),
      };
    }
    return model.model;
  };
  return new ThreadService({
    checkpointer: saver,
    model: async () => modelFor(options.settings(), await options.apiKey()),
    systemPrompt: () => options.settings().systemPrompt,
    context: () => options.settings().context,
    searchFile: options.searchFile,
    workspace: {
      host: () => options.workspaceHost?.(),
      settings: (): ToolSettings => {
        const tools = options.settings().tools;
        return {
          enabled: tools.enabled,
          maxRounds: tools.maxRounds,
          external: tools.external,
          limits: {
            maxFileBytes: tools.maxFileBytes,
            maxOutputBytes: tools.maxOutputBytes,
            commandTimeoutMs: tools.commandTimeoutSeconds * 1000,
          },
        };
      },
    },
    // A base URL that is set but unusable refuses the turn: falling back to the default API would send the
    // conversation and the key to Anthropic when the user meant a local server.
    refuseTurn: () => options.settings().baseUrlError,
  });
}
