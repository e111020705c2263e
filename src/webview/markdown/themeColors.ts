/**
 * The active theme's syntax colours, set as the `--skein-token-<kind>` custom properties media/chat.css colours
 * code blocks with. Without them (a theme the host could not read) the stylesheet's own mapping to the theme's
 * colour variables applies.
 */
import { TOKEN_KINDS, type TokenKind } from "../../protocol/messages";

export function applyTokenColors(doc: Document, colors: Partial<Record<TokenKind, string>> | null): void {
  const style = doc.documentElement.style;
  for (const kind of TOKEN_KINDS) {
    const colour = colors?.[kind];
    if (colour) style.setProperty(`--skein-token-${kind}`, colour);
    else style.removeProperty(`--skein-token-${kind}`);
  }
}
