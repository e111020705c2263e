/**
 * The extension's time-travel, search and export backend (issue 7), vscode-free so it is tested in vitest.
 * It works on the same per-scope stores as SkeinBackend; the heavy history module is loaded lazily through
 * the engine bundle. Streaming of edit/regenerate turns goes through the chat engine (ChatThreads.runPlanned),
 * which `runPlanned` here delegates to.
 */
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { PlannedRun } from "../../chat/history/branches";
import type { HistoryService } from "../../chat/history/branchService";
import type { BranchRequest, HistoryBackend, ThreadRef, ThreadSearchHit, TurnOptions } from "./backend";

export interface HistoryBackendOptions {
  saver(scope: string): Promise<BaseCheckpointSaver>;
  /** The search index file of a scope (beside its store directory). */
  searchFileFor(scope: string): string;
  /** Loads the history module (the engine bundle in production, the source under vitest). */
  historyFor(saver: BaseCheckpointSaver, options: { searchFile?: string }): Promise<HistoryService>;
  /** Runs a planned turn with streaming on the scope's chat service (ChatThreads.runPlanned). */
  runPlanned(ref: ThreadRef, plan: () => Promise<PlannedRun>, options: TurnOptions): Promise<void>;
}

export class SkeinHistoryBackend implements HistoryBackend {
  constructor(private readonly options: HistoryBackendOptions) {}

  async service(scope: string): Promise<HistoryService> {
    const saver = await this.options.saver(scope);
    return this.options.historyFor(saver, { searchFile: this.options.searchFileFor(scope) });
  }

  async siblings(ref: ThreadRef): Promise<Record<string, { index: number; count: number }>> {
    return (await this.service(ref.scope)).siblings(ref.threadId);
  }

  async runBranch(ref: ThreadRef, request: BranchRequest, options: TurnOptions): Promise<void> {
    const history = await this.service(ref.scope);
    const plan = () =>
      request.kind === "edit" ? history.planEdit(ref.threadId, request.messageId, request.text) : history.planRegenerate(ref.threadId, request.messageId);
    try {
      await this.options.runPlanned(ref, plan, options);
    } finally {
      // Even a failed or stopped run may have written the new branch: keep the catalog on the shown one.
      await history.afterRun(ref.threadId).catch(() => undefined);
    }
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

  /** Call after a thread was deleted: its text leaves the search index file too. */
  async threadDeleted(ref: ThreadRef): Promise<void> {
    await (await this.service(ref.scope)).threadDeleted(ref.threadId);
  }

  async search(scopes: readonly string[], query: string): Promise<{ hits: ThreadSearchHit[]; total: number }> {
    const results = await Promise.all(
      scopes.map(async (scope) => {
        const result = await (await this.service(scope)).search(query, { limit: 200 });
        return { total: result.total, hits: result.hits.map((hit) => ({ hit, scope })) };
      }),
    );
    const all = results.flatMap((result) => result.hits);
    // Newest thread first across scopes; a stable sort keeps each thread's hits in reading order.
    all.sort((a, b) => (a.hit.updatedAt < b.hit.updatedAt ? 1 : a.hit.updatedAt > b.hit.updatedAt ? -1 : 0));
    return {
      total: results.reduce((sum, result) => sum + result.total, 0),
      hits: all.slice(0, 200).map(({ hit, scope }) => ({
        ref: { scope, threadId: hit.threadId },
        title: hit.title,
        updatedAt: hit.updatedAt,
        messageId: hit.messageId,
        role: hit.role,
        snippet: hit.snippet.text,
      })),
    };
  }
}
