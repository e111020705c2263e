import type { Observer } from "./harness";

/** `log` concatenates (a string or a list), `value` keeps the last write. Built from the case's runtime. */
export function logState(o: Observer) {
  const { Annotation } = o.rt;
  return Annotation.Root({
    log: Annotation({ reducer: (a: string[], b: string | string[]) => a.concat(b), default: () => [] }),
    value: Annotation(),
  });
}

export const thread = (thread_id = "1") => ({ configurable: { thread_id } });
