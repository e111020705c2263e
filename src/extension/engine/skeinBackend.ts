/**
 * The real ChatBackend: one checkpoint store per workspace scope (opened on first use), the thread catalog for
 * the tree, and the chat engine (graph + model) loaded lazily on the first turn so activation stays fast.
 * vscode-free: settings, the key and the store location are passed in.
 */
import { randomUUID } from "node:crypto";
import type { BaseCheckpointSaver } from "../../checkpoint/base";
import type { ChatBackend, LoadedThread, LoadOptions, ThreadRef, ThreadSummary, TurnOptions } from "./backend";
import type { ChatEngine, RunArgs } from "./chatEngine";
import { SkeinHistoryBackend } from "./historyBackend";
import { loadEngine } from "./loadEngine";
import type { SkeinSettings } from "../settings/settings";

export interface SkeinBackendOptions {
  /** Store directory of a scope. */
  dirFor(scope: string): string;
  settings(): SkeinSettings;
  /** Read at the start of each turn (so Set API Key takes effect at once). */
  apiKey(): Promise<string | undefined>;
  /** Defaults to the file store; tests may pass another saver. */
  createSaver?(dir: string): Promise<BaseCheckpointSaver>;
}

/** The catalog flag src/chat/history/branches.ts keeps once a thread forked (its HAS_BRANCHES_KEY; not imported: that module is in the lazily loaded engine). */
const HAS_BRANCHES = "hasBranches";

async function defaultSaver(dir: string): Promise<BaseCheckpointSaver> {
  return (await loadEngine()).createStore(dir);
}

export class SkeinBackend implements ChatBackend {
  private readonly savers = new Map<string, Promise<BaseCheckpointSaver>>();
  private engine: Promise<ChatEngine> | undefined;
  /** Threads probed in this window and found without forks (forks made here mark the catalog). */
  private readonly unbranched = new Set<string>();

  constructor(private readonly options: SkeinBackendOptions) {}

  /** Edit/regenerate/branches, fork, search, export/import (issue 7) on the same stores. */
  readonly history = new SkeinHistoryBackend({
    saver: (scope) => this.saver(scope),
    // Beside the scope's store directory (a cache: losing it costs a rebuild, never data).
    searchFileFor: (scope) => `${this.options.dirFor(scope)}.search.jsonl`,
    historyFor: async (saver, options) => (await loadEngine()).historyFor(saver, options),
    runPlanned: (ref, plan, options) => this.run(ref, null, options, plan),
  });

  saver(scope: string): Promise<BaseCheckpointSaver> {
    let saver = this.savers.get(scope);
    if (!saver) {
      const dir = this.options.dirFor(scope);
      saver = (this.options.createSaver ?? defaultSaver)(dir);
      saver.catch(() => this.savers.delete(scope)); // a failed open is retried next time
      this.savers.set(scope, saver);
    }
    return saver;
  }

  private chatEngine(): Promise<ChatEngine> {
    this.engine ??= loadEngine().then((m) => new m.GraphChatEngine());
    return this.engine;
  }

  async listThreads(scope: string): Promise<ThreadSummary[]> {
    const saver = await this.saver(scope);
    return (await saver.listThreads()).map((info) => ({
      threadId: info.threadId,
      title: info.title,
      createdAt: info.createdAt,
      updatedAt: info.updatedAt,
      messageCount: typeof info.metadata?.messageCount === "number" ? info.metadata.messageCount : undefined,
    }));
  }

  async createThread(scope: string): Promise<string> {
    const threadId = randomUUID();
    await (await this.saver(scope)).setThreadInfo(threadId, { metadata: { messageCount: 0 } });
    return threadId;
  }

  async renameThread(ref: ThreadRef, title: string): Promise<void> {
    await (await this.saver(ref.scope)).setThreadInfo(ref.threadId, { title, metadata: { titleSource: "user" } });
  }

  async deleteThread(ref: ThreadRef): Promise<void> {
    await (await this.saver(ref.scope)).deleteThread(ref.threadId);
    // Every byte of the thread goes: also its text in the search index beside the store (issue 7).
    await this.history.threadDeleted(ref);
  }

  async loadThread(ref: ThreadRef, options: LoadOptions = {}): Promise<LoadedThread | undefined> {
    const saver = await this.saver(ref.scope);
    const [engine, info] = await Promise.all([this.chatEngine(), saver.getThreadInfo(ref.threadId)]);
    const loaded = await engine.load(saver, ref.threadId, this.options.settings(), await this.options.apiKey());
    if (!loaded && !info) return undefined;
    // "‹ 2/3 ›" positions. Only a thread the catalog marks as branched (or when asked to probe) is read for them:
    // the probe for unmarked forks reads every checkpoint (a full load, ~6x the head read at 1,000 turns), so
    // the open path leaves it to probeBranches() after the paint.
    const branched = info?.metadata?.[HAS_BRANCHES] === true || options.probeForks === true;
    const siblings = loaded?.messages.length && branched ? await this.history.siblings(ref).catch(() => undefined) : undefined;
    return { title: info?.title, messages: loaded?.messages ?? [], interrupted: loaded?.interrupted ?? false, error: loaded?.error, siblings };
  }

  /**
   * Whether an unmarked thread has forks after all (a Retry that regenerated a reply forks without marking the
   * catalog); a positive answer is remembered in the catalog by the probe, a negative one here for this window.
   */
  async probeBranches(ref: ThreadRef): Promise<boolean> {
    const key = `${ref.scope}/${ref.threadId}`;
    if (this.unbranched.has(key)) return false;
    const info = await (await this.saver(ref.scope)).getThreadInfo(ref.threadId);
    if (!info || info.metadata?.[HAS_BRANCHES] === true) return false; // marked threads already load their siblings
    const found = Object.keys(await this.history.siblings(ref)).length > 0;
    if (!found) this.unbranched.add(key);
    return found;
  }

  async runTurn(ref: ThreadRef, text: string | null, options: TurnOptions): Promise<void> {
    try {
      await this.run(ref, text, options);
    } finally {
      // A Retry may regenerate the last reply by forking, which the chat layer does not mark in the catalog:
      // probe now (the fork is the newest checkpoint, and the thread is already read), so every later load of
      // the thread — here or after a reload — shows "‹ 2/2 ›" without probing on the open path.
      if (text === null) {
        this.unbranched.delete(`${ref.scope}/${ref.threadId}`);
        await this.history.siblings(ref).catch(() => undefined);
      }
    }
  }

  private async run(ref: ThreadRef, text: string | null, options: TurnOptions, plan?: RunArgs["plan"]): Promise<void> {
    const saver = await this.saver(ref.scope);
    const engine = await this.chatEngine();
    await engine.run({
      plan,
      saver,
      threadId: ref.threadId,
      text,
      settings: this.options.settings(),
      apiKey: await this.options.apiKey(),
      signal: options.signal,
      onEvent: options.onEvent,
    });
  }

  async close(): Promise<void> {
    const savers = [...this.savers.values()];
    this.savers.clear();
    await Promise.all(savers.map(async (s) => (await s.catch(() => undefined))?.close()));
  }
}
