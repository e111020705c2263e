/**
 * What every command handler works with (the window's scope, backend, chat, tree and stores) and the one way
 * they read a thread argument: a tree node, a `{ scope, threadId }` ref, a bare thread id, or nothing.
 */
import type { ApiKeyService } from "../settings/apiKey";
import type { ChatBackend, ThreadRef } from "../engine/backend";
import type { ChatController } from "../chat/chatController";
import type { ChatViewProvider } from "../chat/panel/chatViewProvider";
import type { ThreadNode, ThreadsTreeProvider } from "../threads/threadsTree";
import type { StoreCommands } from "../store/storeCommands";
import type { ToolCommands } from "../tools/toolCommands";

export interface CommandContext {
  scope: string;
  backend: ChatBackend;
  controller: ChatController;
  tree: ThreadsTreeProvider;
  chatView: ChatViewProvider;
  apiKeys: ApiKeyService;
  /** Re-reads whether a key is available and updates the `skein.hasApiKey` context key. */
  refreshKeyContext(): Promise<void>;
  /** Whether turns can authenticate: a key is stored or in the environment, or a base URL is set. */
  canAuthenticate(): Promise<boolean>;
  /** Every workspace scope with a store (Search Threads → All Workspaces). */
  allScopes?(): Promise<string[]>;
  /** The thread store's commands (local / PostgreSQL). */
  store?: StoreCommands;
  /** Context attachments and tool permissions (tools/toolCommands.ts). */
  tools?: ToolCommands;
}

/** Options a test or another command may pass to skip a modal prompt. */
export interface PromptOverrides {
  /** Delete without the confirmation dialog. */
  confirm?: boolean;
}

/** The thread a command argument names, if it names one (undefined: act on the open thread). */
export function toRef(target: unknown, ctx: Pick<CommandContext, "scope">): ThreadRef | undefined {
  if (typeof target === "string" && target) return { scope: ctx.scope, threadId: target };
  if (typeof target === "object" && target !== null) {
    const node = target as Partial<ThreadNode> & Partial<ThreadRef>;
    if (node.kind === "thread" && node.ref) return { ...node.ref };
    if (typeof node.threadId === "string")
      return { scope: typeof node.scope === "string" ? node.scope : ctx.scope, threadId: node.threadId };
  }
  return undefined;
}
