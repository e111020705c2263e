/**
 * Keeps every tool inside the workspace folders. A path the model gives is workspace-relative (in a multi-root
 * workspace it may start with a folder's name); `..`, absolute paths outside the folders and symbolic links that
 * lead out are refused with a `ToolPathError` the model reads as an error result.
 */
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ToolPathError } from "./errors";
import type { WorkspaceFolder } from "./types";

export interface WorkspacePath {
  /** Absolute path (as given, before links are resolved). */
  abs: string;
  folder: WorkspaceFolder;
  /** Path relative to the folder, with "/" separators ("" for the folder itself). */
  rel: string;
  /** How the chat and the model are shown it: the relative path, prefixed by the folder name when several folders are open. */
  display: string;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function toPosix(rel: string): string {
  return sep === "/" ? rel : rel.split(sep).join("/");
}

export function displayPath(folders: readonly WorkspaceFolder[], folder: WorkspaceFolder, rel: string): string {
  if (folders.length <= 1) return rel || ".";
  return rel ? `${folder.name}/${rel}` : folder.name;
}

/** Where a path given by the model points, or a ToolPathError. Does not touch the disk. */
export function locate(folders: readonly WorkspaceFolder[], input: string | undefined): WorkspacePath {
  if (folders.length === 0) throw new ToolPathError("No workspace folder is open, so there are no files to use.");
  if (input !== undefined && typeof input !== "string")
    throw new ToolPathError(`The path must be a string, got ${JSON.stringify(input)}.`);
  const given = (input ?? "").trim();
  if (given.includes("\0")) throw new ToolPathError("The path contains a NUL character.");
  let folder = folders[0];
  let abs: string;
  if (isAbsolute(given)) {
    const owner = folders.find((f) => inside(f.path, resolve(given)));
    if (!owner)
      throw new ToolPathError(
        `"${given}" is outside the workspace. Use a path relative to the workspace root (${folders.map((f) => f.name).join(", ")}).`,
      );
    folder = owner;
    abs = resolve(given);
  } else {
    const first = given.split(/[\\/]/)[0];
    const named = folders.length > 1 ? folders.find((f) => f.name === first) : undefined;
    if (named) {
      folder = named;
      abs = resolve(named.path, given.slice(first.length).replace(/^[\\/]+/, ""));
    } else abs = resolve(folder.path, given);
    if (!inside(folder.path, abs))
      throw new ToolPathError(
        `"${given}" is outside the workspace (it leaves the folder "${folder.name}" through "..").`,
      );
  }
  const rel = toPosix(relative(folder.path, abs));
  return { abs, folder, rel, display: displayPath(folders, folder, rel) };
}

/** The real path of `abs`, or of its nearest existing ancestor joined with the rest (for a file yet to be created). */
async function realOrAncestor(abs: string): Promise<string> {
  const rest: string[] = [];
  let current = abs;
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      const parent = dirname(current);
      if (parent === current) return abs;
      rest.push(current.slice(parent.length).replace(/^[\\/]+/, ""));
      current = parent;
    }
  }
}

/** `locate`, then refuses a path whose real location (symbolic links resolved) is outside its folder. */
export async function resolveWorkspacePath(
  folders: readonly WorkspaceFolder[],
  input: string | undefined,
): Promise<WorkspacePath> {
  const found = locate(folders, input);
  const [real, root] = await Promise.all([realOrAncestor(found.abs), realOrAncestor(found.folder.path)]);
  if (!inside(root, real))
    throw new ToolPathError(
      `"${found.display}" leads outside the workspace through a symbolic link (to ${real}); it is not used.`,
    );
  return found;
}
