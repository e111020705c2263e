import { describe, expect, it } from "vitest";
import {
  fallbackWorkspaceKey,
  gitRemotes,
  normaliseRemote,
  workspaceKeyFromGitConfig,
} from "../../../../src/extension/store/workspaceKey";

describe("shared workspace key from the git remote", () => {
  it("SSH, HTTPS and credentialed spellings of one repository give one key, without credentials", () => {
    const spellings = [
      "git@github.com:Acme/App.git",
      "https://github.com/acme/app",
      "https://github.com/acme/app.git/",
      "https://user:s3cret@github.com/acme/app.git",
      "ssh://git@github.com:22/acme/app.git",
    ];
    for (const url of spellings) expect(normaliseRemote(url)).toBe("github.com/acme/app");
    expect(normaliseRemote("https://user:s3cret@github.com/acme/app.git")).not.toContain("s3cret");
    expect(normaliseRemote("git@gitlab.example.com:group/sub/project.git")).toBe(
      "gitlab.example.com/group/sub/project",
    );
  });

  it("local paths and file URLs are not shared keys", () => {
    expect(normaliseRemote("/home/me/repos/app.git")).toBeUndefined();
    expect(normaliseRemote("file:///home/me/repos/app.git")).toBeUndefined();
    expect(normaliseRemote("../app")).toBeUndefined();
  });

  it("reads origin from .git/config, else the first remote", () => {
    const config = `[core]
\trepositoryformatversion = 0
[remote "upstream"]
\turl = git@github.com:upstream/app.git
\tfetch = +refs/heads/*:refs/remotes/upstream/*
[remote "origin"]
\turl = https://github.com/me/app.git
[branch "main"]
\tremote = origin
`;
    expect([...gitRemotes(config).keys()]).toEqual(["upstream", "origin"]);
    expect(workspaceKeyFromGitConfig(config)).toBe("github.com/me/app");
    expect(workspaceKeyFromGitConfig(config.replace('"origin"', '"fork"'))).toBe("github.com/upstream/app");
    expect(workspaceKeyFromGitConfig("[core]\n\tbare = false\n")).toBeUndefined();
  });

  it("without a remote the folder name is the key", () => {
    expect(fallbackWorkspaceKey("My-App")).toBe("folder:my-app");
    expect(fallbackWorkspaceKey(undefined)).toBe("empty-window");
  });
});
