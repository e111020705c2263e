/** A file name from a thread title for Export Thread's save dialog (vscode-free, so it is unit-tested). */
export function safeFileName(title: string): string {
  // No path separators, nothing Windows refuses, no control characters, no leading dots (hidden files), not too long.
  const cleaned = title
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^\.+/, "");
  return (cleaned || "thread").slice(0, 80);
}
