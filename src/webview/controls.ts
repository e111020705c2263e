/** Small pieces every part of the chat builds its controls from. */

/** A button showing only a codicon; its label is the tooltip and what a screen reader says. */
export function iconButton(doc: Document, className: string, icon: string, label: string): HTMLButtonElement {
  const button = doc.createElement("button");
  button.type = "button";
  button.className = className;
  button.title = label;
  button.setAttribute("aria-label", label);
  const glyph = doc.createElement("span");
  glyph.className = `codicon codicon-${icon}`;
  glyph.setAttribute("aria-hidden", "true");
  button.append(glyph);
  return button;
}

/** A button with a text label. */
export function textButton(doc: Document, className: string, label: string, onClick: () => void): HTMLButtonElement {
  const button = doc.createElement("button");
  button.type = "button";
  button.className = className;
  button.textContent = label;
  button.addEventListener("click", onClick);
  return button;
}

/** Enter with no modifier and not composing (an IME): what sends or saves; Shift+Enter stays a new line. */
export function isPlainEnter(event: KeyboardEvent): boolean {
  return (
    event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey
  );
}
