/**
 * The shared workspace key of a project in the PostgreSQL store: the same on every machine although the
 * folder's path differs. It comes from the repository's remote URL (origin, else the first remote), normalised
 * so the SSH and HTTPS spellings of one repository agree and no credentials are kept:
 *   git@github.com:Acme/App.git, https://user:token@github.com/acme/app → github.com/acme/app
 * Pure (takes the text of .git/config), so it is unit-tested without VS Code or git.
 */

/** The remotes of a git config file, in file order: name → url. */
export function gitRemotes(configText: string): Map<string, string> {
  const remotes = new Map<string, string>();
  let current: string | undefined;
  for (const raw of configText.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("#") || line.startsWith(";") || line === "") continue;
    const section = /^\[\s*remote\s+"((?:[^"\\]|\\.)*)"\s*\]$/.exec(line);
    if (section) {
      current = section[1]!.replace(/\\(.)/g, "$1");
      continue;
    }
    if (line.startsWith("[")) {
      current = undefined;
      continue;
    }
    const url = /^url\s*=\s*(.*)$/i.exec(line);
    if (current !== undefined && url && !remotes.has(current))
      remotes.set(current, url[1]!.trim().replace(/^"(.*)"$/, "$1"));
  }
  return remotes;
}

/** `host/owner/repo` (lower case, no scheme, user, password, port or .git), or undefined when not a URL. */
export function normaliseRemote(url: string): string | undefined {
  let host: string;
  let path: string;
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(url);
  if (/^file:/i.test(url)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      host = parsed.hostname;
      path = decodeURIComponent(parsed.pathname);
    } catch {
      return undefined;
    }
  } else if (scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    return undefined;
  }
  const cleanPath = path
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .replace(/^\/+/, "");
  if (!host || !cleanPath) return undefined;
  return `${host}/${cleanPath}`.toLowerCase();
}

/** The key from a repository's config text: origin's URL, else the first remote's; undefined without one. */
export function workspaceKeyFromGitConfig(configText: string): string | undefined {
  const remotes = gitRemotes(configText);
  const url = remotes.get("origin") ?? remotes.values().next().value;
  return url === undefined ? undefined : normaliseRemote(url);
}

/** The key used when there is no remote: the folder's name (threads meet where the folder is named alike). */
export function fallbackWorkspaceKey(folderName: string | undefined): string {
  return folderName ? `folder:${folderName.toLowerCase()}` : "empty-window";
}
