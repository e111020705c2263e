export declare const REPO_ROOT: string;
export declare const CACHE_DIR: string;
export declare const CODE_SERVER_VERSION: string;
export interface ServerLayout {
  cacheDir: string;
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
export declare function serverLayout(cacheDir?: string): ServerLayout;
export declare function ensureServer(options?: { log?: (message: string) => void; cacheDir?: string }): Promise<InstalledServer>;
