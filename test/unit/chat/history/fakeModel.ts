/**
 * A ChatModel for history tests: the model is outside what these tests check (branches, export, search
 * over real graphs and savers), so it answers instantly and deterministically, numbering its replies so a
 * regenerated reply differs from the original.
 */
import type { Message } from "../../../../src/graph/messages";
import { messageText } from "../../../../src/graph/messages";
import type { ChatModel, ChatModelCallOptions, ModelEvent } from "../../../../src/model/types";

export class NumberedModel implements ChatModel {
  readonly model = "numbered-test-model";
  readonly contextWindow = 200_000;
  readonly maxTokens = 1_024;
  calls = 0;
  /** What each call was sent (to check that a branch sends only its own history). */
  readonly sent: string[][] = [];

  async *stream(messages: readonly Message[], _options?: ChatModelCallOptions): AsyncIterable<ModelEvent> {
    this.calls++;
    this.sent.push(messages.map((m) => `${m.role}:${messageText(m)}`));
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    const text = `reply ${this.calls} to ${lastUser ? messageText(lastUser) : "nothing"}`;
    yield { type: "text", text };
    yield {
      type: "message",
      message: {
        role: "assistant",
        content: text,
        metadata: { model: this.model, usage: { input_tokens: 1, output_tokens: 1 } },
      },
    };
  }
}
