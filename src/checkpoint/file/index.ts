/** The durable thread store: `new FileSaver(directory, options?)`. */
export { FileSaver, type FileSaverOptions } from "./saver";
export { StoreFormatError, STORE_FORMAT, STORE_VERSION, MIGRATIONS, type Migration } from "./format/format";
export { validateThreadId, threadFileStem, MAX_THREAD_ID_LENGTH } from "./format/names";
export type { StoreWarning } from "./warnings";
