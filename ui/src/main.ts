// Boot: load what the device holds and show home. Language and sunlight
// mode are remembered on the device and switch without losing anything.
import { api, asAppError } from "./api";
import { renderHome } from "./home";
import { type Lang, t } from "./i18n";

const root = document.getElementById("app") as HTMLElement;
let lang: Lang = (localStorage.getItem("outpost.lang") as Lang) || (navigator.language.startsWith("fr") ? "fr" : "en");
let sunlight = localStorage.getItem("outpost.sunlight") === "1";

function toolbar(): HTMLElement {
  const bar = document.createElement("nav");
  bar.className = "toolbar";
  const button = (id: string, text: string, onClick: () => void) => {
    const b = document.createElement("button");
    b.id = id;
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  };
  const brand = document.createElement("span");
  brand.className = "brand";
  brand.textContent = t(lang, "app.title");
  bar.append(
    brand,
    button("switch-lang", t(lang, "ui.switch_lang"), () => {
      lang = lang === "en" ? "fr" : "en";
      localStorage.setItem("outpost.lang", lang);
      void show();
    }),
    button("switch-contrast", t(lang, sunlight ? "ui.contrast_off" : "ui.contrast_on"), () => {
      sunlight = !sunlight;
      localStorage.setItem("outpost.sunlight", sunlight ? "1" : "0");
      void show();
    }),
    button("refresh", t(lang, "ui.refresh"), () => void show()),
  );
  return bar;
}

async function show(): Promise<void> {
  document.documentElement.lang = lang;
  document.documentElement.classList.toggle("sunlight", sunlight);
  const screen = document.createElement("main");
  try {
    const [state, reports] = await Promise.all([api.appState(lang), api.listReports(lang)]);
    renderHome(screen, lang, state, reports, Date.now());
  } catch (e) {
    const err = asAppError(e);
    const box = document.createElement("div");
    box.className = "error";
    box.setAttribute("role", "alert");
    box.dataset.code = err.code;
    box.textContent = `${t(lang, "error.title")}: ${err.message}`;
    screen.append(box);
  }
  root.replaceChildren(toolbar(), screen);
}

void show();
