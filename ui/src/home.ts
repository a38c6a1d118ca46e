// The home screen: my reports, each with its kind, status, classification and
// where it stands with the hub, under an always-visible sync line.
import type { AppState, ReportLine } from "./api";
import { button, el } from "./dom";
import { ago, catalogues, type Key, type Lang, t } from "./i18n";

/** The form of headquarters' standing questions to a unit. */
export const STANDING_QUESTION = "standing_question";

export function syncLine(lang: Lang, state: AppState, nowMs: number): string {
  if (!state.hub) return t(lang, "sync.no_hub");
  const last =
    state.hub.last_sync_at !== null
      ? t(lang, "sync.last", { when: ago(lang, state.hub.last_sync_at, nowMs) })
      : t(lang, "sync.never");
  const waiting = state.reports_waiting > 0 ? t(lang, "sync.waiting", { n: state.reports_waiting }) : t(lang, "sync.all_at_hub");
  return `${last} · ${waiting}`;
}

export function deliveryText(lang: Lang, r: Pick<ReportLine, "delivery" | "photo_files_waiting">): string {
  if (r.delivery === "photos_waiting") return t(lang, "delivery.photos_waiting", { n: r.photo_files_waiting });
  if (r.delivery === "changes_waiting") return t(lang, "delivery.changes_waiting");
  return t(lang, r.delivery === "at_hub" ? "delivery.at_hub" : "delivery.local");
}

/** A label for a code from the Rust side; the code itself if unknown (a newer kind). */
export function label(lang: Lang, key: string, fallback: string): string {
  return key in catalogues.en ? t(lang, key as Key) : fallback;
}

/** A report's classification as a badge (filled above UNCLASSIFIED). */
export function classificationBadge(lang: Lang, level: string): HTMLElement {
  return el("span", `classification class-${level.replace(/ /g, "-").toLowerCase()}`, label(lang, `class.${level}`, level));
}

/** A report in a list: one big target, opened by tap, Enter or Space, its kind and classification on top. */
export function reportItem(
  lang: Lang,
  r: { id: string; kind: string; status: string; classification: string },
  cls: string,
  open: (id: string) => void,
): HTMLLIElement {
  const item = el("li", `report status-${r.status}${cls ? ` ${cls}` : ""}`);
  item.dataset.id = r.id;
  item.tabIndex = 0;
  item.setAttribute("role", "button");
  item.addEventListener("click", () => open(r.id));
  item.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") open(r.id);
  });
  const top = el("div", "report-top");
  top.append(el("span", "kind", label(lang, `kind.${r.kind}`, r.kind)), classificationBadge(lang, r.classification));
  item.append(top);
  return item;
}

export interface HomeActions {
  open(id: string): void;
  start(): void;
  sync(): void;
}

export function renderHome(
  root: HTMLElement,
  lang: Lang,
  state: AppState,
  reports: ReportLine[],
  nowMs: number,
  actions: HomeActions = { open() {}, start() {}, sync() {} },
  questions: ReportLine[] = [],
): void {
  root.replaceChildren();
  const header = el("header", "bar");
  const sync = button(syncLine(lang, state, nowMs), "sync-line", () => actions.sync(), "sync-line");
  header.append(el("h1", "title", t(lang, "home.title")), sync);
  root.append(header);
  if (state.news > 0) {
    const news = el("p", "news", t(lang, "home.news", { n: state.news }));
    news.setAttribute("role", "status");
    root.append(news);
  }
  if (questions.length > 0) {
    const asked = el("section", "standing-questions");
    asked.append(el("h2", "", t(lang, "home.questions")));
    for (const q of questions) {
      const card = button("", `standing-question${q.news ? " has-news" : ""}`, () => actions.open(q.id));
      card.dataset.id = q.id;
      card.append(el("strong", "", q.title));
      if (q.comments > 0) card.append(el("span", "comments", t(lang, "report.comments", { n: q.comments })));
      asked.append(card);
    }
    root.append(asked);
  }
  root.append(button(t(lang, "home.new_report"), "primary big", () => actions.start(), "new-report"));
  if (reports.length === 0) {
    root.append(el("p", "empty", t(lang, "home.empty")));
    return;
  }
  if (state.reports_total > reports.length) {
    root.append(el("p", "hint", t(lang, "home.newest_of", { n: reports.length, total: state.reports_total })));
  }
  const list = el("ul", "reports");
  list.setAttribute("data-count", String(reports.length));
  for (const r of reports) {
    const item = reportItem(lang, r, r.news ? "has-news" : "", actions.open);
    const title = el("h2", "report-title", r.title);
    const meta = el("div", "report-meta");
    meta.append(
      el("span", "status", label(lang, `status.${r.status}`, r.status)),
      el("span", `delivery delivery-${r.delivery}`, deliveryText(lang, r)),
      el("span", "written-in", t(lang, "report.written_in", { lang: label(lang, `lang.${r.language}`, r.language) })),
    );
    if (r.news) meta.append(el("span", "news-badge", t(lang, "report.news")));
    if (r.conflicts > 0) meta.append(el("span", "conflicts", t(lang, "report.conflicts", { n: r.conflicts })));
    if (r.comments > 0) meta.append(el("span", "comments", t(lang, "report.comments", { n: r.comments })));
    item.append(title, meta);
    list.append(item);
  }
  root.append(list);
}

/** Choosing what to report and at what classification, before the debrief. */
export function renderStart(
  root: HTMLElement,
  lang: Lang,
  kinds: { id: string; title: string; description: string }[],
  onStart: (kind: string, classification: string) => void,
  onCancel: () => void,
): void {
  const screen = el("section", "start");
  screen.append(el("h1", "question", t(lang, "start.what")));
  let classification = "UNCLASSIFIED";
  const levels = el("div", "options");
  levels.setAttribute("role", "radiogroup");
  for (const level of ["UNCLASSIFIED", "CONFIDENTIAL", "STRICTLY CONFIDENTIAL"]) {
    const b = button(label(lang, `class.${level}`, level), "option", () => {
      classification = level;
      for (const o of levels.querySelectorAll(".option")) o.setAttribute("aria-pressed", String(o === b));
    });
    b.dataset.value = level;
    b.setAttribute("aria-pressed", String(level === classification));
    levels.append(b);
  }
  const grid = el("div", "kinds");
  for (const k of kinds) {
    const b = button("", "kind-tile", () => onStart(k.id, classification), `start-${k.id}`);
    b.append(el("strong", "", k.title), el("span", "", k.description));
    grid.append(b);
  }
  screen.append(grid, el("h2", "", t(lang, "start.classification")), levels);
  screen.append(button(t(lang, "start.cancel"), "secondary", onCancel, "start-cancel"));
  root.replaceChildren(screen);
}
