/**
 * What the chat view shows and does right now: the open thread, the attached webview, the running turns and
 * the drafts. ChatController and its TurnRunner change it; ChatSync reads it to compose snapshots and changes —
 * state handed down, not callbacks running back up into the controller.
 */
import type { HostMessage } from "../../protocol/messages";
import type { ThreadRef } from "../engine/backend";
import type { ChatPanel, Run } from "./chatControllerTypes";
import type { Drafts } from "./drafts";

export class ChatViewState {
  /** The webview, while one is attached. */
  panel: ChatPanel | undefined;
  /** Running turns by thread key (`scope/threadId`). */
  readonly runs = new Map<string, Run>();

  constructor(
    /** The thread shown now. */
    public open: ThreadRef,
    readonly drafts: Drafts,
  ) {}

  get attached(): boolean {
    return this.panel !== undefined;
  }

  post(message: HostMessage): void {
    this.panel?.post(message);
  }
}
