import type { Browser } from "playwright-core";
import type { RunDirs } from "./server.mjs";
export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: string[];
export declare function launchChromium(dirs?: RunDirs): Promise<Browser>;
