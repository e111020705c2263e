/**
 * Context chips: above the composer, the active editor's file (included unless removed; a removed one can be put
 * back) and whatever was attached (Add Selection, Add File, a drop); on a sent message, what it carried.
 * DOM hooks: .context-chips > .chip[data-chip-id] > .chip-label, button.chip-remove; .message-attachments > .chip.
 */
import type { AttachmentView, ComposerContextView, ToolStrings } from "../../protocol/types";

/** Fills `{0}` of a localised template with a text. */
const fill = (template: string, value: string) => template.replace("{0}", () => value);

export function attachmentLabel(a: AttachmentView): string {
  if (a.startLine === undefined) return a.path;
  return a.endLine !== undefined && a.endLine !== a.startLine
    ? `${a.path}:${a.startLine}-${a.endLine}`
    : `${a.path}:${a.startLine}`;
}

function chip(doc: Document, label: string, icon: string): HTMLElement {
  const el = doc.createElement("span");
  el.className = "chip";
  const glyph = doc.createElement("span");
  glyph.className = `codicon codicon-${icon}`;
  glyph.setAttribute("aria-hidden", "true");
  const text = doc.createElement("span");
  text.className = "chip-label";
  text.textContent = label;
  el.title = label;
  el.append(glyph, text);
  return el;
}

/** Renders the composer's chips; `remove(id)` drops one ("active" toggles the active editor's file). */
export function renderComposerChips(
  container: HTMLElement,
  context: ComposerContextView | undefined,
  strings: ToolStrings,
  remove: (id: string) => void,
): void {
  const doc = container.ownerDocument;
  const chips: HTMLElement[] = [];
  const active = context?.activeFile;
  if (active) {
    const el = chip(doc, active.path, "file");
    el.dataset.chipId = "active";
    el.classList.add("chip-active");
    el.classList.toggle("excluded", !active.included);
    el.title = fill(strings.activeFileChip, active.path);
    const toggle = doc.createElement("button");
    toggle.type = "button";
    toggle.className = "chip-remove";
    // Removed, the chip stays (dimmed) so the file can be put back with one click.
    toggle.setAttribute("aria-pressed", String(!active.included));
    toggle.setAttribute("aria-label", fill(strings.removeChip, active.path));
    toggle.textContent = active.included ? "×" : "+";
    toggle.addEventListener("click", () => remove("active"));
    el.append(toggle);
    chips.push(el);
  }
  for (const attachment of context?.attachments ?? []) {
    const label = attachmentLabel(attachment);
    const el = chip(doc, label, attachment.kind === "selection" ? "selection" : "file");
    el.dataset.chipId = attachment.id;
    const x = doc.createElement("button");
    x.type = "button";
    x.className = "chip-remove";
    x.setAttribute("aria-label", fill(strings.removeChip, label));
    x.textContent = "×";
    x.addEventListener("click", () => remove(attachment.id));
    el.append(x);
    chips.push(el);
  }
  container.replaceChildren(...chips);
  container.hidden = chips.length === 0;
  container.setAttribute("aria-label", strings.attachedContext);
}

/** The chips of what a sent message carried (read-only). */
export function messageAttachments(
  doc: Document,
  attachments: readonly AttachmentView[],
  strings: ToolStrings,
): HTMLElement {
  const list = doc.createElement("div");
  list.className = "message-attachments";
  list.setAttribute("aria-label", strings.attachedContext);
  for (const a of attachments)
    list.append(chip(doc, attachmentLabel(a), a.kind === "selection" ? "selection" : "file"));
  return list;
}
