/** The extension's history backend across workspace scopes, on real FileSaver stores (no model needed). */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSaver } from "../../../../src/checkpoint/file";
import { readSettings } from "../../../../src/extension/settings/settings";
import { ThreadServices } from "../../../../src/extension/engine/threadServices";
import { safeFileName } from "../../../../src/extension/commands/exportFileName";
import { putMessages, user, assistant, clockTick } from "../../chat/history/storeHelpers";

let root: string;
let backend: ThreadServices;
const A = "folder-00000000000000aa";
const B = "folder-00000000000000bb";

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "skein-hb-"));
  backend = new ThreadServices({
    dirFor: (scope) => join(root, scope),
    settings: () => readSettings(() => undefined),
    apiKey: async () => undefined,
    createSaver: async (dir) => new FileSaver(dir, { fsync: false, onWarning: () => undefined }),
  });
});
afterEach(async () => {
  await backend.close();
  await rm(root, { recursive: true, force: true });
});

describe("history backend", () => {
  it("searches this workspace or all of them, labelling hits with their scope, with the index beside each store", async () => {
    await putMessages(await backend.saver(A), "ta", [user("ua", "the shared needle in A"), assistant("aa", "ok")]);
    await putMessages(await backend.saver(B), "tb", [user("ub", "the shared needle in B"), assistant("ab", "ok")]);
    await clockTick();
    const history = backend.history;
    expect((await history.search([A], "shared needle")).hits.map((h) => h.ref)).toEqual([{ scope: A, threadId: "ta" }]);
    const all = await history.search([A, B], "shared needle");
    expect(all.total).toBe(2);
    expect(all.hits.map((h) => `${h.ref.scope}:${h.messageId}:${h.snippet}`).sort()).toEqual([
      `${A}:ua:the shared needle in A`,
      `${B}:ub:the shared needle in B`,
    ]);
    expect(existsSync(join(root, `${A}.search.jsonl`))).toBe(true);

    // Delete Thread takes the thread's text out of the search index file too.
    await backend.deleteThread({ scope: A, threadId: "ta" });
    expect(await readFile(join(root, `${A}.search.jsonl`), "utf8")).not.toContain("needle");
    expect((await history.search([A, B], "shared needle")).hits.map((h) => h.ref.scope)).toEqual([B]);
  });

  it("imports into the given scope only, and a refused file leaves every store as it was", async () => {
    await putMessages(await backend.saver(A), "ta", [user("ua", "hello"), assistant("aa", "hi")]);
    const json = await backend.history.exportThread({ scope: A, threadId: "ta" }, "json");
    const imported = await backend.history.importThread(B, json);
    expect((await backend.listThreads(B)).map((t) => t.threadId)).toEqual([imported]);
    const loaded = await backend.loadThread({ scope: B, threadId: imported });
    expect(loaded?.messages.map((m) => m.id)).toEqual(["ua", "aa"]);

    for (const bad of [
      "",
      "null",
      JSON.stringify({
        ...JSON.parse(json),
        messages: [{ parent: null, message: { id: "x/../y", role: "user", content: "" } }],
        head: 0,
      }),
    ]) {
      await expect(backend.history.importThread(A, bad)).rejects.toMatchObject({ name: "ThreadImportError" });
    }
    expect((await backend.listThreads(A)).map((t) => t.threadId)).toEqual(["ta"]);
  });

  it("forks within the scope and loads siblings only for threads that have them", async () => {
    await putMessages(await backend.saver(A), "ta", [user("ua", "hello"), assistant("aa", "hi")]);
    // An unmarked thread is not read for siblings on load (the fork probe reads every checkpoint); the probe says none.
    expect((await backend.loadThread({ scope: A, threadId: "ta" }))?.siblings).toBeUndefined();
    expect((await backend.loadThread({ scope: A, threadId: "ta" }, { probeForks: true }))?.siblings).toEqual({});
    expect(await backend.probeBranches({ scope: A, threadId: "ta" })).toBe(false);
    const fork = await backend.history.forkThread({ scope: A, threadId: "ta" }, "ua");
    expect((await backend.loadThread({ scope: A, threadId: fork }))?.messages.map((m) => m.id)).toEqual(["ua"]);
    await expect(backend.history.switchBranch({ scope: A, threadId: "ta" }, "ua", 1)).rejects.toMatchObject({
      code: "BAD_SIBLING",
    });
  });

  it("makes safe file names from thread titles", () => {
    expect(safeFileName('a/b\\c:d*e?"f<g>h|i')).toBe("a b c d e f g h i");
    expect(safeFileName("...hidden")).toBe("hidden");
    expect(safeFileName("   ")).toBe("thread");
    expect(safeFileName("x".repeat(200))).toHaveLength(80);
  });
});
