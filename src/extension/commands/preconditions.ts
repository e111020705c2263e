/**
 * What a command needs before it can do anything, each with the check and what the user is told when it is
 * missing — with a button that fixes it where one can (Set API Key, Open Thread…, Connect to PostgreSQL…). A
 * command names its needs in the table (commands.ts); the check runs on every call, whoever calls (the palette,
 * a menu, a keybinding, the chat webview, another extension), so a missing key or thread is said up front instead
 * of failing deep inside. No command needs a workspace folder or trust: Export only proposes a folder, and trust
 * is read per turn (the base URL, the changing tools).
 */
import * as vscode from "vscode";
import { toRef, type CommandContext } from "./commandContext";

export type Requirement =
  /** Turns can authenticate: an API key (SecretStorage or ANTHROPIC_API_KEY), or a base URL that may need none. */
  | "apiKey"
  /** The open thread has messages (Retry Last Turn acts on it). */
  | "openThread"
  /** The thread passed (a tree node, a ref, an id), else the open thread once it has messages. */
  | "thread"
  /** This workspace has a thread with messages, unless one is passed. */
  | "threads"
  /** The thread service's history (branches, search, export/import). */
  | "history"
  /** The shared PostgreSQL store is this window's store. */
  | "sharedStore"
  /** A file in an editor, or a file passed (the Explorer's selection). */
  | "editor";

/** Why a command did not run, and the one step that fixes it. */
export interface Unmet {
  requirement: Requirement;
  message: string;
  /** A setup step missing (a warning) rather than nothing to act on yet (information). */
  warn: boolean;
  action?: { label: string; command: string };
}

interface RequirementSpec {
  /**
   * The context key the command palette's `when` hides the command by while this is missing (package.json).
   * Without one the command stays listed and says what is missing when run.
   */
  when?: string;
  met(ctx: CommandContext, args: readonly unknown[]): Promise<boolean> | boolean;
  unmet(ctx: CommandContext): Promise<Omit<Unmet, "requirement">> | Omit<Unmet, "requirement">;
}

/**
 * Whether a thread of the scope has messages (an empty new thread is not listed in the tree either). A store
 * that cannot be read counts as yes: the command then runs and reports the store's own error.
 */
async function hasMessages(ctx: CommandContext, scope: string, threadId?: string): Promise<boolean> {
  const threads = await ctx.backend.listThreads(scope).catch(() => undefined);
  if (!threads) return true;
  return threads.some((t) => t.messageCount !== 0 && (threadId === undefined || t.threadId === threadId));
}

const openThreadHasMessages = (ctx: CommandContext) => {
  const open = ctx.controller.openRef;
  return hasMessages(ctx, open.scope, open.threadId);
};

/** Nothing to act on: open a thread that has messages if there is one, else start one in the chat. */
async function noThread(ctx: CommandContext): Promise<Omit<Unmet, "requirement">> {
  const others = await hasMessages(ctx, ctx.scope);
  return {
    message: vscode.l10n.t("The open thread has no messages yet, so there is nothing to act on."),
    warn: false,
    action: others
      ? { label: vscode.l10n.t("Open Thread…"), command: "skein.openThread" }
      : { label: vscode.l10n.t("Go to Chat"), command: "skein.focusChat" },
  };
}

export const REQUIREMENTS: Record<Requirement, RequirementSpec> = {
  apiKey: {
    met: (ctx) => ctx.canAuthenticate().catch(() => false),
    unmet: () => ({
      message: vscode.l10n.t("Set your Anthropic API key to chat. It is kept in VS Code's secret storage."),
      warn: true,
      action: { label: vscode.l10n.t("Set API Key"), command: "skein.setApiKey" },
    }),
  },
  openThread: {
    when: "skein.openThreadHasMessages",
    met: (ctx) => openThreadHasMessages(ctx),
    unmet: noThread,
  },
  thread: {
    when: "skein.openThreadHasMessages",
    met: (ctx, args) => Boolean(toRef(args[0], ctx)) || openThreadHasMessages(ctx),
    unmet: noThread,
  },
  threads: {
    when: "skein.hasThreads",
    met: (ctx, args) => Boolean(toRef(args[0], ctx)) || hasMessages(ctx, ctx.scope),
    unmet: () => ({
      message: vscode.l10n.t("This workspace has no threads yet: send a message in the chat to start one."),
      warn: false,
      action: { label: vscode.l10n.t("New Thread"), command: "skein.newThread" },
    }),
  },
  history: {
    met: (ctx) => Boolean(ctx.backend.history),
    unmet: () => ({ message: vscode.l10n.t("Thread history is not available."), warn: true }),
  },
  sharedStore: {
    when: "config.skein.store == postgres",
    met: (ctx) => ctx.store?.isShared() === true,
    unmet: () => ({
      message: vscode.l10n.t("Connect to PostgreSQL first (“Skein: Connect to PostgreSQL…”)."),
      warn: true,
      action: { label: vscode.l10n.t("Connect to PostgreSQL…"), command: "skein.connectPostgres" },
    }),
  },
  editor: {
    met: (_ctx, args) =>
      args.some(
        (arg) => arg instanceof vscode.Uri || (Array.isArray(arg) && arg.some((a) => a instanceof vscode.Uri)),
      ) || Boolean(vscode.window.activeTextEditor),
    unmet: () => ({
      message: vscode.l10n.t("Open a file first: its text, or the part selected, is what goes to the chat."),
      warn: false,
      action: { label: vscode.l10n.t("Open File…"), command: "workbench.action.quickOpen" },
    }),
  },
};

/** The first need of the list that is missing now (checked in order), or undefined when all are met. */
export async function firstUnmet(
  requires: readonly Requirement[],
  ctx: CommandContext,
  args: readonly unknown[],
): Promise<Unmet | undefined> {
  for (const requirement of requires) {
    const spec = REQUIREMENTS[requirement];
    if (!(await spec.met(ctx, args))) return { requirement, ...(await spec.unmet(ctx)) };
  }
  return undefined;
}

/**
 * Says what is missing; the button runs the command that fixes it. Resolves when the notification is answered
 * or dismissed (the command that was refused returns at once, without waiting for it).
 */
export async function explain(unmet: Unmet): Promise<void> {
  const buttons = unmet.action ? [unmet.action.label] : [];
  const choice = unmet.warn
    ? await vscode.window.showWarningMessage(unmet.message, ...buttons)
    : await vscode.window.showInformationMessage(unmet.message, ...buttons);
  if (unmet.action && choice === unmet.action.label) await vscode.commands.executeCommand(unmet.action.command);
}
