/** The shared thread store on PostgreSQL: `PostgresSaver.fromConnString(url, { schema })`, then `setup()`. */
export { PostgresSaver, MAX_PG_THREAD_ID_LENGTH, type PostgresSaverOptions } from "./saver";
export { PostgresListener, type ListenerOptions, type ListenerState, type StoreChange } from "./listener";
export { SchemaVersionError, SCHEMA_VERSION, MIGRATIONS as POSTGRES_MIGRATIONS } from "./schema";
export { PostgresStoreError } from "./connection";
export { redact, redactConnectionString, describeServer } from "./redact";
