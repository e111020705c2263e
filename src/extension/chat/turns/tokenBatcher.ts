/**
 * Collects streamed tokens and hands them on in batches, so a fast stream (hundreds of tokens a second) costs
 * the webview one message and one repaint per interval instead of one per token.
 */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** ~25 flushes a second: smooth to the eye, cheap for the webview. */
const TOKEN_FLUSH_MS = 40;

export class TokenBatcher {
  private readonly pending = new Map<string, string>();
  private timer: unknown;

  constructor(
    private readonly emit: (messageId: string, text: string) => void,
    private readonly scheduler: Scheduler = realScheduler,
    private readonly intervalMs = TOKEN_FLUSH_MS,
  ) {}

  push(messageId: string, text: string): void {
    if (!text) return;
    this.pending.set(messageId, (this.pending.get(messageId) ?? "") + text);
    if (this.timer === undefined) this.timer = this.scheduler.setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Sends everything collected now (called before any non-token event, so order is kept). */
  flush(): void {
    if (this.timer !== undefined) {
      this.scheduler.clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const [messageId, text] of this.pending) this.emit(messageId, text);
    this.pending.clear();
  }

  dispose(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
