/**
 * Two VS Code windows on one PostgreSQL database, as two machines of one user would be: two VS Code servers
 * with their own user data and global storage, two browsers (each its own SecretStorage), one throwaway
 * PostgreSQL cluster. Each window connects through "Skein: Connect to PostgreSQL…" (the connection string is
 * typed into its password box and kept in SecretStorage). Both workspace folders are clones of one repository
 * at different paths, so they share one workspace key. A thread created and continued in window A appears in
 * window B's tree through NOTIFY, continues there, and B's reply shows in A's open chat. Connect and Disconnect
 * take effect without a reload. "All Workspaces" and Search Threads (All Workspaces) reach a thread another
 * project stored on the server (written by Skein's own thread service from this process, as a teammate would).
 * Without PostgreSQL server binaries it skips, saying why ($SKEIN_REQUIRE_POSTGRES, set by .ci/run: fails).
 * Screenshots: test-results/e2e/shared-store-A/ and shared-store-B/.
 */
import * as assert from "node:assert/strict";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { PostgresSaver } from "../../src/checkpoint/postgres";
import { createThreadService } from "../../src/extension/engine/serviceFactory";
import { readSettings } from "../../src/extension/settings/settings";
import { findPgBin, startCluster, type Cluster } from "../fixtures/postgres/cluster";
import { Session, SHOTS_DIR } from "./session";
import { assistantMessages, typeInComposer, userMessages } from "./workbench";

const REMOTE = "git@github.com:Acme/shared-threads.git";
const KEY = "github.com/acme/shared-threads";
const OTHER_KEY = "gitlab.com/acme/other-project";
const GIT_CONFIG = `[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = ${REMOTE}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`;

/**
 * The tree refreshes on its own only once a minute (relative times); a row that appears well within that
 * came from a notification of the other window's commit.
 */
const NOTIFIED_WITHIN_MS = 40_000;

/** Files under `dir` (up to 8 MB each) whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) hits.push(...filesContaining(path, text));
    else if (stat?.isFile() && stat.size < 8 << 20 && readFileSync(path).includes(text)) hits.push(path);
  }
  return hits;
}

describe("Two VS Code windows on one PostgreSQL database (browser)", function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  let a: Session | undefined;
  let b: Session | undefined;
  let chatA: Frame;
  let chatB: Frame;
  let broken: string | undefined;

  before(async function () {
    const { reason } = findPgBin();
    if (reason) {
      if (process.env.SKEIN_REQUIRE_POSTGRES) throw new Error(`this scenario must run here: ${reason}`);
      console.log(`    [e2e] skipped: ${reason}`);
      this.skip();
    }
    this.timeout(600_000);
    cluster = await startCluster();
    const log = (m: string) => console.log(`    [e2e] ${m}`);
    a = await Session.start(log, {
      workspaceFiles: { ".git/config": GIT_CONFIG },
      shotsDir: join(SHOTS_DIR, "shared-store-A"),
    });
    b = await Session.start(log, {
      workspaceFiles: { ".git/config": GIT_CONFIG },
      shotsDir: join(SHOTS_DIR, "shared-store-B"),
    });
    console.log(`    [e2e] windows on ${a.server.url} and ${b.server.url}; PostgreSQL on 127.0.0.1:${cluster.port}`);
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    cluster?.stop();
  });

  beforeEach(function () {
    if (broken) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") broken = this.currentTest.title;
  });

  /** Opens the window, connects it the way a user does, and checks it now lists the shared store. */
  async function connect(s: Session): Promise<void> {
    const wb = s.workbench;
    const page = s.page;
    await wb.step("workbench-ready", async () => {
      await page.goto(s.url);
      await wb.waitReady();
    });
    await wb.step("connect-typed", async () => {
      const input = page.locator(".quick-input-widget .quick-input-box input");
      await page.keyboard.press("Escape");
      await page.keyboard.press("F1");
      await input.waitFor({ state: "visible" });
      await input.fill(">Skein: Connect to PostgreSQL");
      await page
        .locator(".quick-input-widget .quick-input-list .monaco-list-row")
        .filter({ hasText: "Skein: Connect to PostgreSQL" })
        .first()
        .click();
      // Not runCommand: the command's own input box follows the palette at once.
      await page.locator(".quick-input-widget .quick-input-title", { hasText: "Connect to PostgreSQL" }).waitFor();
      assert.equal(await input.getAttribute("type"), "password", "the connection string is typed into a password box");
      await input.fill(cluster!.url);
      await input.press("Enter");
    });
    await wb.step("connected-shared-store", async () => {
      await page
        .locator(".statusbar-item", { hasText: `Skein: postgres@127.0.0.1:${cluster!.port}/postgres` })
        .waitFor();
      await page.locator('.activitybar a.action-label[aria-label^="Skein"]').click();
      // The tree names the shared workspace key (from the git remote; the two folders' paths differ).
      await page.locator(".pane-header", { hasText: "Threads" }).filter({ hasText: KEY }).waitFor();
    });
  }

  it("each window connects through Connect to PostgreSQL… and switches to the shared store", async () => {
    await connect(a!);
    await connect(b!);
    assert.notEqual(a!.dirs.workspace, b!.dirs.workspace);
  });

  it("a thread created and continued in window A appears in window B's tree without anything done in B", async () => {
    const wb = a!.workbench;
    await wb.step("a-new-thread", () => wb.runCommand("Skein: New Thread"));
    chatA = await wb.chat();
    await chatA.locator("#empty-state").waitFor({ state: "visible" });
    await wb.step("a-first-turn", async () => {
      await typeInComposer(chatA, "hi! I'm bob", true);
      await assistantMessages(chatA).filter({ hasText: "Hello bob! Nice to meet you." }).waitFor();
    });
    await wb.step("a-continued", async () => {
      await typeInComposer(chatA, "what's my name?", true);
      await assistantMessages(chatA).filter({ hasText: "Your name is bob." }).waitFor();
      await wb.threadRow(/bob[\s\S]*4 messages/i).waitFor();
    });
    await b!.workbench.step("b-tree-notified", async () => {
      await b!.workbench.threadRow(/bob[\s\S]*4 messages/i).waitFor({ timeout: NOTIFIED_WITHIN_MS });
    });
  });

  it("window B opens the thread with its history and continues it; the reply shows in A's open chat", async () => {
    const wb = b!.workbench;
    await wb.step("b-opens-thread", async () => {
      await wb.threadRow(/bob/i).click();
      chatB = await wb.chat();
      await userMessages(chatB).filter({ hasText: "hi! I'm bob" }).waitFor();
      await assistantMessages(chatB).filter({ hasText: "Your name is bob." }).waitFor();
    });
    await wb.step("b-continues", async () => {
      await typeInComposer(chatB, "call me robert", true);
      await assistantMessages(chatB).filter({ hasText: "Hello robert!" }).waitFor();
      await wb.threadRow(/bob[\s\S]*6 messages/i).waitFor();
    });
    // B's model request carried the turns taken in A: the history came from the shared database.
    const sent = (await b!.mock.requests()).filter((r) => r.path === "/v1/messages");
    const turn = sent.filter((r) => JSON.stringify(r.body?.messages ?? "").includes("call me robert")).at(-1);
    assert.ok(turn, "window B's mock received the turn");
    const history = JSON.stringify(turn.body.messages);
    assert.ok(history.includes("hi! I'm bob") && history.includes("Your name is bob."), "B sent A's turns");

    await a!.workbench.step("a-shows-b-reply", async () => {
      await userMessages(chatA).filter({ hasText: "call me robert" }).waitFor({ timeout: NOTIFIED_WITHIN_MS });
      await assistantMessages(chatA).filter({ hasText: "Hello robert!" }).waitFor({ timeout: NOTIFIED_WITHIN_MS });
      await a!.workbench.threadRow(/bob[\s\S]*6 messages/i).waitFor({ timeout: NOTIFIED_WITHIN_MS });
    });
  });

  it("All Workspaces lists every workspace key on the server, and Search Threads (All Workspaces) finds their threads", async () => {
    // Another project's thread, taken through Skein's own thread service on the same server.
    const saver = PostgresSaver.fromConnString(cluster!.url, { workspace: OTHER_KEY });
    try {
      const service = createThreadService(saver, {
        settings: () => readSettings((key) => (key === "baseUrl" ? a!.mock.url : undefined)),
        apiKey: async () => "test-key",
      });
      const threadId = await service.create();
      const result = await service.sendMessage(threadId, "hi! I'm carol");
      assert.equal(result.status, "completed", "the seed turn completed");
    } finally {
      await saver.end();
    }
    const wb = a!.workbench;
    const page = a!.page;
    await wb.step("a-all-workspaces", async () => {
      await wb.runCommand("Skein: Show All Workspaces");
      await wb.threadRow(OTHER_KEY).waitFor();
      await wb.threadRow(/carol[\s\S]*2 messages/i).waitFor();
      await wb.threadRow(/bob[\s\S]*6 messages/i).waitFor();
    });
    await wb.step("a-search-all-workspaces", async () => {
      const input = page.locator(".quick-input-widget .quick-input-box input");
      await page.keyboard.press("Escape");
      await page.keyboard.press("F1");
      await input.waitFor({ state: "visible" });
      await input.fill(">Skein: Search Threads");
      await page
        .locator(".quick-input-widget .quick-input-list .monaco-list-row")
        .filter({ hasText: "Skein: Search Threads" })
        .first()
        .click();
      await page.locator(".quick-input-widget .quick-input-title", { hasText: "Search Threads" }).waitFor();
      await page.locator('.quick-input-widget [aria-label="Search All Workspaces"]').first().click();
      await page.locator(".quick-input-widget .quick-input-title", { hasText: "All Workspaces" }).waitFor();
      await input.fill("carol");
      await page
        .locator(".quick-input-widget .quick-input-list .monaco-list-row")
        .filter({ hasText: "Hello carol!" })
        .first()
        .click();
      chatA = await wb.chat();
      await assistantMessages(chatA).filter({ hasText: "Hello carol! Nice to meet you." }).waitFor();
    });
    await wb.runCommand("Skein: Show This Workspace");
  });

  it("the connection string is in no file of either window's server (settings, logs, storage) and no thread was written to a local store", () => {
    for (const s of [a!, b!]) {
      assert.deepEqual(filesContaining(s.dirs.root, cluster!.url), [], "the connection string was written to disk");
      assert.deepEqual(s.storedFilesContaining("bob"), [], "nothing stored locally to be merged later");
    }
  });

  it("Disconnect in window B switches it back to its local threads at once, without a reload", async () => {
    const wb = b!.workbench;
    await wb.step("b-disconnected", async () => {
      await wb.runCommand("Skein: Disconnect from PostgreSQL");
      await b!.page.locator(".statusbar-item", { hasText: "Skein: local" }).waitFor();
      await wb.threadRow(/bob/i).waitFor({ state: "detached" });
      await b!.page
        .locator(".pane-header", { hasText: "Threads" })
        .filter({ hasText: KEY })
        .waitFor({ state: "detached" });
    });
    // Window A keeps the shared store.
    await a!.page.locator(".statusbar-item", { hasText: "Skein: postgres@" }).waitFor();
  });
});
