/** Public entry of the checkpoint layer: the saver contract, its errors and the savers. */
export * from "./types";
export * from "./base";
export * from "./errors";
export * from "./memory";
export * from "./copy";
export * from "./json";
export * from "./listing";
export * from "./runLocks";
export * from "./file";
export * from "./postgres";
