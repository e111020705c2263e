/**
 * Where `edit_file`'s `old_text` sits in a document's current text: exactly one occurrence, or an error the
 * model can act on. Line endings are matched as the document has them (a model writes "\n"; a Windows file
 * holds "\r\n"). No `vscode` import.
 */
export class EditTargetError extends Error {
  override readonly name = "EditTargetError";
  constructor(
    readonly code: "OLD_TEXT_NOT_FOUND" | "OLD_TEXT_NOT_UNIQUE" | "FILE_EXISTS",
    message: string,
  ) {
    super(message);
  }
}

export interface EditPlan {
  /** Offsets into the document's text. */
  start: number;
  end: number;
  /** `new_text` with the document's line endings. */
  replacement: string;
}

export function planEdit(text: string, oldText: string, newText: string, path: string): EditPlan {
  const crlf = text.includes("\r\n");
  const variants = crlf && !oldText.includes("\r\n") ? [oldText.replace(/\n/g, "\r\n"), oldText] : [oldText];
  for (const needle of variants) {
    const first = text.indexOf(needle);
    if (first < 0) continue;
    if (text.indexOf(needle, first + 1) >= 0)
      throw new EditTargetError(
        "OLD_TEXT_NOT_UNIQUE",
        `old_text occurs more than once in ${path}; include more surrounding lines so it matches exactly one place.`,
      );
    const replacement = needle !== oldText ? newText.replace(/\r?\n/g, "\r\n") : newText;
    return { start: first, end: first + needle.length, replacement };
  }
  throw new EditTargetError(
    "OLD_TEXT_NOT_FOUND",
    `old_text was not found in ${path} (it must match the file's current text exactly, whitespace included); read the file again and retry.`,
  );
}

/** The text after the edit (what "Show Diff" shows on the right). */
export function applyPlan(text: string, plan: EditPlan): string {
  return text.slice(0, plan.start) + plan.replacement + text.slice(plan.end);
}
