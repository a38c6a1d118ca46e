// The lock screen: set a PIN the first time, unlock with it afterwards, and
// wipe the device in two taps (wipe, then confirm) without the PIN — the
// person about to lose the tablet may not have time to type it.
import type { LockState } from "./api";
import { button, el } from "./dom";
import { type Lang, t } from "./i18n";

export interface LockActions {
  unlock: (pin: string) => Promise<void>;
  wipe: () => Promise<void>;
  switchLang: () => void;
}

function pinInput(id: string, label: string): [HTMLLabelElement, HTMLInputElement] {
  const wrap = el("label", "pin-field");
  const input = el("input", "pin");
  input.id = id;
  input.type = "password";
  input.autocomplete = "off";
  input.setAttribute("autocapitalize", "off");
  input.spellcheck = false;
  wrap.append(el("span", "", label), input);
  return [wrap, input];
}

export function renderLock(main: HTMLElement, lang: Lang, state: LockState, actions: LockActions): void {
  main.classList.add("lock");
  const card = el("section", "lock-card");
  const setUp = !state.set_up;
  const title = el("h1", "title", t(lang, setUp ? "lock.set_up_title" : "lock.title"));
  const hint = el("p", "lock-hint", t(lang, setUp ? "lock.set_up_hint" : "lock.hint", { n: state.min_length }));
  const [pinField, pin] = pinInput("pin", t(lang, setUp ? "lock.new_pin" : "lock.pin"));
  const fields: HTMLElement[] = [pinField];
  let again: HTMLInputElement | null = null;
  if (setUp) {
    const [field, input] = pinInput("pin-again", t(lang, "lock.pin_again"));
    fields.push(field);
    again = input;
  }
  const message = el("p", "lock-error");
  message.id = "lock-error";
  message.setAttribute("role", "alert");
  const submit = async (): Promise<void> => {
    message.textContent = "";
    // A code is the answer to this attempt, never one left from the last.
    delete message.dataset.code;
    if (again && again.value !== pin.value) {
      message.textContent = t(lang, "lock.differ");
      return;
    }
    go.disabled = true;
    message.textContent = t(lang, "lock.opening");
    try {
      await actions.unlock(pin.value);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      message.textContent = err.message ?? String(e);
      message.dataset.code = err.code ?? "";
      pin.value = "";
      if (again) again.value = "";
      pin.focus();
    } finally {
      go.disabled = false;
    }
  };
  const go = button(t(lang, setUp ? "lock.set_up" : "lock.unlock"), "primary big", () => void submit(), "unlock");
  for (const input of [pin, again]) {
    input?.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void submit();
    });
  }
  const form = el("div", "lock-form");
  form.append(...fields, go, message);

  // Wiping: the first tap only shows what it does and the second does it.
  const danger = el("div", "wipe");
  const ask = button(t(lang, "lock.wipe"), "danger", () => {
    danger.replaceChildren(
      el("p", "wipe-warning", t(lang, "lock.wipe_warning")),
      button(t(lang, "lock.wipe_now"), "danger big", () => void actions.wipe(), "wipe-now"),
      button(t(lang, "lock.wipe_cancel"), "", () => danger.replaceChildren(ask), "wipe-cancel"),
    );
  }, "wipe");
  danger.append(ask);

  const langButton = button(t(lang, "ui.switch_lang"), "", actions.switchLang, "lock-lang");
  // A device with no key yet has nothing to wipe.
  card.append(title, hint, form, ...(setUp ? [] : [danger]), langButton);
  main.append(card);
  pin.focus();
}
