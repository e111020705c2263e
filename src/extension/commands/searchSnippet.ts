/** Search Threads shows a hit's snippet as plain words: a reply's markdown marks would read as noise. */

/** A snippet of markdown as the words a reader sees: no heading marks, emphasis, code fences, link targets. */
export function plainSnippet(text: string): string {
  return text
    .replace(/```[\w+-]*/g, " ")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/(^|\s)#{1,6}\s+/g, "$1")
    .replace(/(^|\s)>\s+/g, "$1")
    .replace(/(^|\s)(?:-|\+|\d+[.)])\s+/g, "$1")
    .replace(/^\*\s+/, "")
    .replace(/(?<!\w)(\*\*|__|~~)(?=\S)([^]*?\S)\1(?!\w)/g, "$2")
    .replace(/(?<![\w*])([*_])(?=[^\s*_])([^*_]*?[^\s*_])\1(?![\w*])/g, "$2")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}
