/**
 * Maps each workspace scope to its store and its thread service (src/chat/threadService.ts), both opened on
 * first use, and supplies what the service needs from the editor: settings and the API key, read per turn.
 * The service itself loads lazily through the engine bundle, so activation parses none of it.
 * vscode-free: settings, the key and the store location are passed in.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { ThreadService } from "../../chat/threadService";
import type { TurnResult } from "../../chat/turns";
import { messageText, type StoredMessage } from "../../graph/messages";
import { TurnRejectedError } from "../chat/turns/turnErrors";
import { splitAttachments } from "../context/attachmentFormat";
import type { SkeinSettings } from "../settings/settings";
import type { PendingApproval, ToolApprovalDecision, WorkspaceHost } from "../../chat/tools/types";
import type {
  BranchRequest,
  ChatBackend,
  HistoryBackend,
  LoadedThread,
  LoadOptions,
  ThreadRef,
  ThreadSearchHit,
  ThreadSummary,
  TurnOptions,
} from "./backend";
import { loadEngine } from "./loadEngine";

export interface ThreadServicesOptions {
  /** Store directory of a scope. */
  dirFor(scope: string): string;
  settings(): SkeinSettings;
  /** Read at the start of each turn (so Set API Key takes effect at once). */
  apiKey(): Promise<string | undefined>;
  /** Defaults to the file store; tests may pass another saver. */
  createSaver?(dir: string, scope: string): Promise<BaseCheckpointSaver>;
  /** The editor's side of the workspace tools (none: no tools are offered). */
  workspaceHost?(): WorkspaceHost | undefined;
}

/** Search hits shown at most, across every searched workspace. */
const MAX_SEARCH_HITS = 200;

export class ThreadServices implements ChatBackend, HistoryBackend {
  private readonly savers = new Map<string, Promise<BaseCheckpointSaver>>();
  private readonly services = new Map<string, Promise<ThreadService>>();

  constructor(private readonly options: ThreadServicesOptions) {}

  /** Edit/regenerate/branches, fork, search, export/import: the same services. */
  get history(): HistoryBackend {
    return this;
  }

  saver(scope: string): Promise<BaseCheckpointSaver> {
    let saver = this.savers.get(scope);
    if (!saver) {
      const dir = this.options.dirFor(scope);
      saver = this.options.createSaver
        ? this.options.createSaver(dir, scope)
        : loadEngine().then((engine) => engine.createStore(dir));
      saver.catch(() => this.savers.delete(scope)); // a failed open is retried next time
      this.savers.set(scope, saver);
    }
    return saver;
  }

  /** The scope's thread service (one per store). */
  service(scope: string): Promise<ThreadService> {
    let service = this.services.get(scope);
    if (!service) {
      service = Promise.all([this.saver(scope), loadEngine()]).then(([saver, engine]) =>
        engine.createThreadService(saver, {
          settings: () => this.options.settings(),
          apiKey: () => this.options.apiKey(),
          workspaceHost: this.options.workspaceHost,
          // Beside the scope's store directory (a cache: losing it costs a rebuild, never data).
          searchFile: `${this.options.dirFor(scope)}.search.jsonl`,
        }),
      );
      service.catch(() => this.services.delete(scope));
      this.services.set(scope, service);
    }
    return service;
  }

  async listThreads(scope: string): Promise<ThreadSummary[]> {
    return (await this.service(scope)).list();
  }

  async createThread(scope: string): Promise<string> {
    return (await this.service(scope)).create();
  }

  async renameThread(ref: ThreadRef, title: string): Promise<void> {
    await (await this.service(ref.scope)).rename(ref.threadId, title);
  }

  async deleteThread(ref: ThreadRef): Promise<void> {
    await (await this.service(ref.scope)).delete(ref.threadId);
  }

  async loadThread(ref: ThreadRef, options: LoadOptions = {}): Promise<LoadedThread | undefined> {
    return (await this.service(ref.scope)).load(ref.threadId, options);
  }

  async probeBranches(ref: ThreadRef): Promise<boolean> {
    return (await this.service(ref.scope)).probeBranches(ref.threadId);
  }

  async runTurn(ref: ThreadRef, text: string | null, options: TurnOptions): Promise<void> {
    const service = await this.service(ref.scope);
    const attachments = options.attachments ?? [];
    const result =
      text === null
        ? await service.retry(ref.threadId, options)
        : await service.sendMessage(
            ref.threadId,
            attachments.length ? [{ type: "text", text }, ...attachments] : text,
            options,
          );
    settle(result);
  }

  async pendingApprovals(ref: ThreadRef): Promise<PendingApproval[]> {
    return (await this.service(ref.scope)).pendingApprovals(ref.threadId);
  }

  async answerApproval(
    ref: ThreadRef,
    interruptId: string,
    decision: ToolApprovalDecision,
    options: TurnOptions,
  ): Promise<void> {
    settle(await (await this.service(ref.scope)).answerApproval(ref.threadId, interruptId, decision, options));
  }

  async runBranch(ref: ThreadRef, request: BranchRequest, options: TurnOptions): Promise<void> {
    settle(await (await this.service(ref.scope)).branch(ref.threadId, request, options));
  }

  async siblings(ref: ThreadRef): Promise<Record<string, { index: number; count: number }>> {
    return (await this.service(ref.scope)).siblings(ref.threadId);
  }

  async switchBranch(ref: ThreadRef, messageId: string, index: number): Promise<void> {
    await (await this.service(ref.scope)).switchBranch(ref.threadId, messageId, index);
  }

  async showMessage(ref: ThreadRef, messageId: string): Promise<void> {
    await (await this.service(ref.scope)).showMessage(ref.threadId, messageId);
  }

  async forkThread(ref: ThreadRef, messageId: string): Promise<string> {
    return (await this.service(ref.scope)).fork(ref.threadId, messageId);
  }

  async exportThread(ref: ThreadRef, format: "markdown" | "json"): Promise<string> {
    return (await this.service(ref.scope)).exportThread(ref.threadId, format);
  }

  async importThread(scope: string, text: string): Promise<string> {
    return (await (await this.service(scope)).importThread(text)).threadId;
  }

  /** Searches every given workspace's store; newest thread first, each thread's hits in reading order. */
  async search(scopes: readonly string[], query: string): Promise<{ hits: ThreadSearchHit[]; total: number }> {
    const results = await Promise.all(
      scopes.map(async (scope) => {
        const result = await (await this.service(scope)).search(query, { limit: MAX_SEARCH_HITS });
        return { total: result.total, hits: result.hits.map((hit) => ({ hit, scope })) };
      }),
    );
    const all = results.flatMap((result) => result.hits);
    // A stable sort keeps each thread's hits in reading order.
    all.sort((a, b) => (a.hit.updatedAt < b.hit.updatedAt ? 1 : a.hit.updatedAt > b.hit.updatedAt ? -1 : 0));
    return {
      total: results.reduce((sum, result) => sum + result.total, 0),
      hits: all.slice(0, MAX_SEARCH_HITS).map(({ hit, scope }) => ({
        ref: { scope, threadId: hit.threadId },
        title: hit.title,
        updatedAt: hit.updatedAt,
        messageId: hit.messageId,
        role: hit.role,
        snippet: hit.snippet.text,
      })),
    };
  }

  async close(): Promise<void> {
    const savers = [...this.savers.values()];
    this.savers.clear();
    this.services.clear();
    await Promise.all(savers.map(async (s) => (await s.catch(() => undefined))?.close()));
  }
}

/**
 * A turn's outcome as the chat view takes it: a failure throws its error; a turn refused before anything was
 * stored throws TurnRejectedError with the text to put back into the draft; a completed or stopped turn returns.
 */
function settle(result: TurnResult): void {
  if (result.status === "failed") throw result.error ?? new Error("The turn failed.");
  if (result.status === "rejected") {
    // Only what the user typed goes back to the composer (attachment blocks are the context, not the draft).
    const unsent = result.unsent
      ?.map((m) => (Array.isArray(m.content) ? splitAttachments(m.content).text : messageText(m as StoredMessage)))
      .join("\n\n");
    throw new TurnRejectedError(result.error ?? new Error("The message was not sent."), unsent || undefined);
  }
}
