/**
 * Everything heavy the extension needs, behind one entry: the file store, the graph runtime, the chat layer and
 * the model adapter (whose SDK loads on the first model call). The build emits it as its own file
 * (dist/engine.js) so activating the extension does not even parse it; it loads when the tree or chat first
 * needs a store.
 */
export { createStore, createPostgresStore, testPostgres, copyLocalThreads } from "./store";
export { createThreadService } from "./serviceFactory";
