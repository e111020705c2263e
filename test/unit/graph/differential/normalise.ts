/**
 * Turns what a runtime returned into plain data both runtimes can be compared on: ids become `<id:N>` in order
 * of first appearance (so "this parent is that checkpoint" survives), timestamps go, messages shrink to
 * `{ role, content }`, class instances become their own fields, errors become `{ error: name }`.
 */

const ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;
// Times differ by nature; `ls_integration` is LangSmith tracing metadata LangChain adds to every run.
const DROPPED_KEYS = new Set(["ts", "createdAt", "timestamp", "ls_integration"]);
const ROLES: Record<string, string> = {
  human: "user",
  ai: "assistant",
  user: "user",
  assistant: "assistant",
  system: "system",
  tool: "tool",
};

/** A checkpoint namespace: "node:<task id>" levels joined by "|" (a numeric level counts a node's second subgraph). */
const NAMESPACE = /^[^:|]+:[0-9a-f-]{32,36}(?:\|(?:[^:|]+:[0-9a-f-]{32,36}|\d+))*$/i;

/** Ids inside a namespace become tokens too, so "the subgraph of that task" survives normalisation. */
function normaliseString(value: string, ids: IdMap): string {
  if (ID.test(value)) return ids.token(value);
  if (!NAMESPACE.test(value)) return value;
  return value
    .split("|")
    .map((level) => {
      const at = level.indexOf(":");
      return at < 0 ? level : `${level.slice(0, at)}:${ids.token(level.slice(at + 1))}`;
    })
    .join("|");
}

export class IdMap {
  private readonly ids = new Map<string, string>();
  token(id: string): string {
    let token = this.ids.get(id);
    if (!token) this.ids.set(id, (token = `<id:${this.ids.size + 1}>`));
    return token;
  }
}

/** A LangChain message class instance (`_getType()`), or a Skein message (`role` + `content`). */
function asMessage(value: Record<string, unknown>): { role: string; content: unknown } | undefined {
  const getType = (value as { _getType?: () => string })._getType;
  if (typeof getType === "function") {
    const type = getType.call(value);
    return { role: ROLES[type] ?? type, content: value.content };
  }
  if (typeof value.role === "string" && "content" in value && ROLES[value.role])
    return { role: ROLES[value.role]!, content: value.content };
  return undefined;
}

export function normalise(value: unknown, ids: IdMap): unknown {
  if (typeof value === "string") return normaliseString(value, ids);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { error: value.name };
  if (Array.isArray(value)) return value.map((v) => normalise(v, ids));
  const record = value as Record<string, unknown>;
  const message = asMessage(record);
  if (message) return { role: message.role, content: normalise(message.content, ids) };
  const out: Record<string, unknown> = {};
  // Named keys sorted, id keys in their own order: tokens are then handed out in the same order on both runtimes.
  const keys = Object.keys(record);
  const isId = (k: string) => ID.test(k) || NAMESPACE.test(k);
  const ordered = [...keys.filter((k) => !isId(k)).sort(), ...keys.filter(isId)];
  for (const key of ordered) {
    if (DROPPED_KEYS.has(key) || record[key] === undefined || typeof record[key] === "function") continue;
    const value = normalise(record[key], ids);
    // Metadata left empty once tracing keys are gone is the same as no metadata.
    if (key === "metadata" && value !== null && typeof value === "object" && Object.keys(value).length === 0) continue;
    out[isId(key) ? normaliseString(key, ids) : key] = value;
  }
  return out;
}
