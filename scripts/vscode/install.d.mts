export declare const REPO_ROOT: string;
export declare const CACHE_DIR: string;
export declare const CODE_SERVER_VERSION: string;
export type Flavour = "newest" | "oldest";
export declare const FLAVOUR: Flavour;
export interface ServerLayout {
  cacheDir: string;
  flavour: Flavour;
  nodeBin: string;
  nodeDir: string;
  codeServerDir: string;
  serverMain: string;
  vscodeProductJson: string;
}
export interface InstalledServer extends ServerLayout {
  vscodeVersion: string;
  commit: string;
  quality: string;
}
export declare function serverLayout(cacheDir?: string, flavour?: Flavour): ServerLayout;
export type ServerInstallErrorCode =
  "CACHE_NOT_WRITABLE" | "DISK_FULL" | "REGISTRY_UNREACHABLE" | "NPM_FAILED" | "SPAWN_FAILED" | "INSTALL_BROKEN";
export declare class ServerInstallError extends Error {
  readonly name: "ServerInstallError";
  readonly code: ServerInstallErrorCode;
  constructor(code: ServerInstallErrorCode, message: string);
}
export declare function ensureServer(options?: {
  log?: (message: string) => void;
  cacheDir?: string;
  flavour?: Flavour;
  /** Where progress lines go (default: stdout). */
  write?: (text: string) => void;
}): Promise<InstalledServer>;
