/**
 * Connection strings in text people see: the password (and any *pass* parameter) never appears. No `pg`
 * import, so the extension's activation bundle can use it without loading the client.
 */

/** The connection string with its password replaced by `***` (for logs, errors, status text). */
export function redactConnectionString(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    parsed.searchParams.forEach((value, key) => {
      if (/pass/i.test(key)) parsed.searchParams.set(key, "***");
    });
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@").replace(/(password=)[^&\s]*/gi, "$1***");
  }
}

/** Every secret a connection string carries (password, and any *pass* parameter), to scrub from messages. */
export function secretsOf(url: string): string[] {
  const out: string[] = [];
  try {
    const parsed = new URL(url);
    if (parsed.password) out.push(parsed.password, decodeURIComponent(parsed.password));
    parsed.searchParams.forEach((value, key) => {
      if (/pass/i.test(key) && value) out.push(value);
    });
  } catch {
    const match = /\/\/[^:/@]*:([^@]*)@/.exec(url);
    if (match?.[1]) out.push(match[1]);
  }
  return out.filter((s) => s.length > 0);
}

/** `text` with every secret of `url` replaced by `***`. */
export function redact(text: string, url: string): string {
  let out = text.split(url).join(redactConnectionString(url));
  for (const secret of secretsOf(url)) out = out.split(secret).join("***");
  return out;
}

/** Where the store lives, for status text: "user@host:port/db" (no password). */
export function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : "";
    return `${user}${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname.length > 1 ? parsed.pathname : ""}`;
  } catch {
    return "PostgreSQL";
  }
}
