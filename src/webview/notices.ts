/** Composer notices: English fallbacks for strings an older host does not send, and their number formatting. */

/** `{0}`, `{1}`: numbers filled in by `format`. */
export const FALLBACK = {
  tooLong: "This message has {0} characters; the limit is {1}. Shorten it and send again — it is kept here.",
  draftCut: "Your saved draft was longer than {0} characters and was cut to fit.",
  opening: "Opening the thread…",
};

export const format = (template: string, ...values: number[]): string =>
  template.replace(/\{(\d)\}/g, (_, i: string) => (values[Number(i)] ?? 0).toLocaleString("en-US"));

/** Two texts for one composer, neither dropped: `first`, then `second` on a new line (once if they are equal). */
export const joinDrafts = (first: string, second: string): string =>
  !second || second === first ? first : !first ? second : `${first}\n${second}`;
