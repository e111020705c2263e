import type { ServerLayout } from "./install.mjs";
export interface RunDirs {
  root: string;
  home: string;
  xdgConfig: string;
  xdgData: string;
  xdgCache: string;
  userData: string;
  serverData: string;
  extensions: string;
  workspace: string;
}
export interface RunningServer {
  pid: number;
  port: number;
  url: string;
  token: string | null;
  dirs: RunDirs;
  output: string[];
  exited(): { code: number | null; signal: string | null } | null;
  waitForExit(): Promise<{ code: number | null; signal: string | null }>;
  stop(options?: { keepDirs?: boolean }): Promise<void>;
}
export declare const QUIET_SETTINGS: Record<string, unknown>;
export declare function makeRunDirs(prefix?: string, root?: string): RunDirs;
export declare function writeSettings(dirs: RunDirs, settings: Record<string, unknown>): void;
export declare function writeMachineSettings(dirs: RunDirs, settings: Record<string, unknown>): void;
export declare function startServer(options: {
  layout: ServerLayout;
  dirs: RunDirs;
  env?: Record<string, string>;
  port?: number;
  log?: (line: string) => void;
  startTimeoutMs?: number;
  token?: boolean;
  keepDirs?: boolean;
}): Promise<RunningServer>;
export declare function workbenchUrl(
  server: RunningServer,
  options: { folder?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string },
): string;
