/**
 * The tool calls a run started, per thread. The runtime drops an aborted step's writes at once (the thread
 * stays resumable) while the tools are still unwinding; on Stop the chat waits here for what each running call
 * produced (a "stopped" result, with the output a command printed so far) and stores it, so every tool_use of
 * the thread is answered.
 */
import type { Message } from "../../graph/messages";

export class ToolRuns {
  private readonly byThread = new Map<string, Map<string, Promise<Message>>>();

  /** Registers a running call; returns the same promise. */
  track(threadId: string, toolCallId: string, running: Promise<Message>): Promise<Message> {
    let calls = this.byThread.get(threadId);
    if (!calls) this.byThread.set(threadId, (calls = new Map()));
    calls.set(toolCallId, running);
    return running;
  }

  /** Waits for every call the thread's last run started and forgets them: tool call id → its result. */
  async drain(threadId: string): Promise<Map<string, Message>> {
    const calls = this.byThread.get(threadId);
    this.byThread.delete(threadId);
    const out = new Map<string, Message>();
    if (!calls) return out;
    for (const [id, running] of calls) {
      const message = await running.catch(() => undefined);
      if (message) out.set(id, message);
    }
    return out;
  }

  /** Forgets a thread's calls without waiting (its run ended normally: the results are in the checkpoint). */
  forget(threadId: string): void {
    this.byThread.delete(threadId);
  }
}
