/**
 * JSON-data helpers every saver shares: checkpoints, metadata and writes are JSON-like values, stored as JSON
 * (file, database) or as private copies (memory).
 */

/** `obj[key] = value` that keeps `__proto__` an ordinary data key. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Deep copy of JSON-like data, several times faster than structuredClone for plain objects; anything exotic
 * (Date, Map, typed arrays…) falls back to structuredClone. Own keys are defined, never assigned, so a
 * `__proto__` key stays data.
 */
export function deepCopy<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  // Spread copies own enumerable keys as data (so `__proto__` stays data); then only nested objects recurse.
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Object.keys(out)) {
    const item = out[key];
    if (item !== null && typeof item === "object") setOwn(out, key, deepCopy(item));
  }
  return out as T;
}

/**
 * Equality as JSON sees it, which is how LangGraph's savers compare (they store metadata serialized): an object
 * member holding `undefined` is the same as a missing one, and an `undefined` array element is `null`.
 * So a filter `{ key: undefined }` matches metadata without `key`, on every saver alike.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return a === undefined ? b === undefined : false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const objA = a as Record<string, unknown>;
  const objB = b as Record<string, unknown>;
  let countA = 0;
  for (const key of Object.keys(objA)) {
    const value = objA[key];
    if (value === undefined) continue;
    countA++;
    if (!Object.prototype.hasOwnProperty.call(objB, key) || !jsonEqual(value, objB[key])) return false;
  }
  let countB = 0;
  for (const key of Object.keys(objB)) if (objB[key] !== undefined) countB++;
  return countA === countB;
}

/** Inserts `id` into ascending `ids` (time-ordered ids make this nearly always an append). */
export function insertSorted(ids: string[], id: string): void {
  let hi = ids.length;
  if (hi === 0 || ids[hi - 1]! < id) {
    ids.push(id);
    return;
  }
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  ids.splice(lo, 0, id);
}
