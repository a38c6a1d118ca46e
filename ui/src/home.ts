// The home screen: my reports, each with its kind, status, classification and
// where it stands with the hub, under an always-visible sync line.
import type { AppState, ReportLine } from "./api";
import { ago, catalogues, type Key, type Lang, t } from "./i18n";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function syncLine(lang: Lang, state: AppState, nowMs: number): string {
  if (!state.hub) return t(lang, "sync.no_hub");
  const last = state.hub.last_sync_at !== null
    ? t(lang, "sync.last", { when: ago(lang, state.hub.last_sync_at, nowMs) })
    : t(lang, "sync.never");
  const waiting = state.reports_waiting > 0 ? t(lang, "sync.waiting", { n: state.reports_waiting }) : t(lang, "sync.all_at_hub");
  return `${last} · ${waiting}`;
}

export function deliveryText(lang: Lang, r: ReportLine): string {
  if (r.delivery === "photos_waiting") return t(lang, "delivery.photos_waiting", { n: r.photo_files_waiting });
  return t(lang, r.delivery === "at_hub" ? "delivery.at_hub" : "delivery.local");
}

/** A label for a code from the Rust side; the code itself if unknown (a newer kind). */
function label(lang: Lang, key: string, fallback: string): string {
  return key in catalogues.en ? t(lang, key as Key) : fallback;
}

export function renderHome(root: HTMLElement, lang: Lang, state: AppState, reports: ReportLine[], nowMs: number): void {
  root.replaceChildren();
  const header = el("header", "bar");
  header.append(el("h1", "title", t(lang, "home.title")), el("p", "sync-line", syncLine(lang, state, nowMs)));
  root.append(header);
  if (reports.length === 0) {
    root.append(el("p", "empty", t(lang, "home.empty")));
    return;
  }
  const list = el("ul", "reports");
  list.setAttribute("data-count", String(reports.length));
  for (const r of reports) {
    const item = el("li", `report status-${r.status}`);
    item.dataset.id = r.id;
    const kindKey = `kind.${r.kind}`;
    const top = el("div", "report-top");
    top.append(
      el("span", "kind", label(lang, kindKey, r.kind)),
      el(
        "span",
        `classification class-${r.classification.replace(/ /g, "-").toLowerCase()}`,
        label(lang, `class.${r.classification}`, r.classification),
      ),
    );
    const title = el("h2", "report-title", r.title);
    const meta = el("div", "report-meta");
    meta.append(
      el("span", "status", label(lang, `status.${r.status}`, r.status)),
      el("span", `delivery delivery-${r.delivery}`, deliveryText(lang, r)),
      el("span", "written-in", t(lang, "report.written_in", { lang: label(lang, `lang.${r.language}`, r.language) })),
    );
    if (r.conflicts > 0) meta.append(el("span", "conflicts", t(lang, "report.conflicts", { n: r.conflicts })));
    if (r.comments > 0) meta.append(el("span", "comments", t(lang, "report.comments", { n: r.comments })));
    item.append(top, title, meta);
    list.append(item);
  }
  root.append(list);
}
