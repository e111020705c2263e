/** Composer notices: numbers filled into the host's localised templates, and drafts joined without loss. */

/** Fills `{0}`, `{1}` in a template with numbers, formatted for reading. */
export const format = (template: string, ...values: number[]): string =>
  template.replace(/\{(\d)\}/g, (_, i: string) => (values[Number(i)] ?? 0).toLocaleString("en-US"));

/** Two texts for one composer, neither dropped: `first`, then `second` on a new line (once if they are equal). */
export const joinDrafts = (first: string, second: string): string =>
  !second || second === first ? first : !first ? second : `${first}\n${second}`;
