/** Public entry of the checkpoint layer: the saver contract, its errors and the savers. */
export * from "./types";
export * from "./base";
export * from "./errors";
export * from "./memory";
// FileSaver (engineer B, issue 3).
export * from "./file";
