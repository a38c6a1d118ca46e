// Small helpers for building screens without a framework.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls = "",
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function button(text: string, cls: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = el("button", cls, text);
  b.type = "button";
  if (id) b.id = id;
  b.addEventListener("click", onClick);
  return b;
}

/** A file input dressed as a big button (a label is the touch target). */
export function filePicker(
  text: string,
  cls: string,
  accept: string,
  onFile: (file: File) => void,
): HTMLLabelElement {
  const label = el("label", `file-button ${cls}`);
  const input = el("input");
  input.type = "file";
  input.accept = accept;
  input.className = `${cls}-input`;
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    input.value = "";
    if (file) onFile(file);
  });
  label.append(el("span", "", text), input);
  return label;
}

export async function fileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}
