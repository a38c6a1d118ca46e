// The review workspace's screens around the list: the filters (with how many
// reports each choice would give), the merged list, the QIP pipeline board,
// asking a unit a standing question, and print previews. Every screen shows
// only what the Rust side returned, which is already cut at the reviewer's
// clearance.
import type { FacetName, Facets, ReviewLine, ReviewPage, ReviewQuery, StandingQuestion } from "./api";
import { button, el } from "./dom";
import type { Form } from "./forms";
import { label, reportItem } from "./home";
import { type Key, type Lang, t } from "./i18n";

const FACETS: FacetName[] = ["kind", "status", "classification", "language", "sector", "unit"];
/** Facets whose values are codes with labels; sectors and units are names. */
const LABELLED: Partial<Record<FacetName, string>> = {
  kind: "kind",
  status: "status",
  classification: "class",
  language: "lang",
};
export const STAGES = ["assessed", "proposed", "approved", "funded", "delivered"] as const;

function valueLabel(lang: Lang, facet: FacetName, value: string): string {
  const prefix = LABELLED[facet];
  return prefix ? label(lang, `${prefix}.${value}`, value) : value;
}

function day(ms: number | undefined): string {
  return ms === undefined ? "" : new Date(ms).toISOString().slice(0, 10);
}

/** A YYYY-MM-DD typed or picked, as milliseconds at 00:00 UTC; undefined if not a date. */
export function dayStart(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The filter bar shared by the list and the map. Each choice shows how many
 * reports it would give with the other filters held; choosing one calls
 * `onChange` with the new query (back to the first page).
 */
export function filterBar(lang: Lang, query: ReviewQuery, facets: Facets, onChange: (q: ReviewQuery) => void): HTMLElement {
  const bar = el("form", "filters");
  bar.addEventListener("submit", (e) => e.preventDefault());
  const set = (patch: Partial<ReviewQuery>) => onChange({ ...query, ...patch, page: 0 });

  const search = el("input", "filter-search");
  search.type = "search";
  search.id = "filter-text";
  search.placeholder = t(lang, "review.search");
  search.value = query.text ?? "";
  // Enter and leaving the box both search; the same words are not asked twice.
  const searchFor = () => {
    if (search.value !== (query.text ?? "")) set({ text: search.value });
  };
  search.addEventListener("change", searchFor);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") searchFor();
  });
  bar.append(search);

  const row = el("div", "filter-row");
  for (const facet of FACETS) {
    const box = el("label", "filter");
    box.append(el("span", "", t(lang, `review.facet.${facet}` as Key)));
    const select = el("select");
    select.id = `filter-${facet}`;
    select.name = facet;
    const any = el("option", "", t(lang, "review.any"));
    any.value = "";
    select.append(any);
    const values = [...facets[facet]];
    const chosen = query[facet];
    if (chosen && !values.some(([v]) => v === chosen)) values.push([chosen, 0]);
    for (const [value, n] of values) {
      const o = el("option", "", `${valueLabel(lang, facet, value)} (${n})`);
      o.value = value;
      o.selected = value === chosen;
      select.append(o);
    }
    select.addEventListener("change", () => set({ [facet]: select.value || undefined }));
    box.append(select);
    row.append(box);
  }
  for (const [key, text] of [
    ["from", "review.from"],
    ["until", "review.until"],
  ] as const) {
    const box = el("label", "filter");
    box.append(el("span", "", t(lang, text)));
    const input = el("input");
    input.type = "date";
    input.id = `filter-${key}`;
    input.value = day(query[key]);
    input.addEventListener("change", () => set({ [key]: dayStart(input.value) }));
    box.append(input);
    row.append(box);
  }
  const order = el("label", "filter");
  order.append(el("span", "", t(lang, "review.order")));
  const select = el("select");
  select.id = "filter-order";
  for (const o of ["updated", "happened", "oldest", "classification"]) {
    const opt = el("option", "", t(lang, `review.order.${o}` as Key));
    opt.value = o;
    opt.selected = (query.order ?? "updated") === o;
    select.append(opt);
  }
  select.addEventListener("change", () => onChange({ ...query, order: select.value, page: 0 }));
  order.append(select);
  row.append(order);
  bar.append(row);
  bar.append(button(t(lang, "review.clear"), "secondary", () => onChange({ order: query.order }), "filter-clear"));
  return bar;
}

export interface ListActions {
  open(id: string): void;
  query(q: ReviewQuery): void;
  exportAs(format: "csv" | "geojson"): void;
}

function lineItem(lang: Lang, r: ReviewLine, open: (id: string) => void): HTMLElement {
  const item = reportItem(lang, r, "", open);
  const meta = el("div", "report-meta");
  meta.append(
    el("span", "status", label(lang, `status.${r.status}`, r.status)),
    el("span", "by", t(lang, "review.by", { author: r.author, unit: r.unit, sector: r.sector })),
    el("span", "happened", t(lang, "review.happened", { when: new Date(r.happened_at).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" }) })),
    el("span", "written-in", t(lang, "report.written_in", { lang: label(lang, `lang.${r.language}`, r.language) })),
  );
  if (r.place) meta.append(el("span", "place", r.place));
  if (r.pipeline_stage) {
    meta.append(el("span", "stage", `${label(lang, `stage.${r.pipeline_stage}`, r.pipeline_stage)} · ${t(lang, "review.days_in_stage", { n: r.days_in_stage ?? 0 })}`));
    if (r.overdue) meta.append(el("span", "overdue", t(lang, "review.overdue")));
  }
  if (r.conflicts > 0) meta.append(el("span", "conflicts", t(lang, "report.conflicts", { n: r.conflicts })));
  if (r.comments > 0) meta.append(el("span", "comments", t(lang, "report.comments", { n: r.comments })));
  item.append(el("h2", "report-title", r.title), meta);
  return item;
}

/** The review layout: the filters in a column beside what they select. */
export function reviewBody(root: HTMLElement, filters: HTMLElement): HTMLElement {
  const body = el("div", "review-body");
  const aside = el("aside", "review-filters");
  aside.append(filters);
  const content = el("div", "review-content");
  body.append(aside, content);
  root.append(body);
  return content;
}

/** The merged list under its filters, a page at a time. */
export function renderReviewList(root: HTMLElement, lang: Lang, page: ReviewPage, query: ReviewQuery, actions: ListActions): void {
  const total = el("p", "review-total", t(lang, "review.total", { n: page.total, clearance: label(lang, `class.${page.clearance}`, page.clearance) }));
  total.id = "review-total";
  total.dataset.total = String(page.total);
  const exports = el("div", "review-exports");
  exports.append(
    button(t(lang, "review.export_csv"), "secondary", () => actions.exportAs("csv"), "export-csv"),
    button(t(lang, "review.export_geojson"), "secondary", () => actions.exportAs("geojson"), "export-geojson"),
  );
  const head = el("div", "review-head");
  head.append(total, exports);
  root = reviewBody(root, filterBar(lang, query, page.facets, actions.query));
  root.append(head);
  if (page.reports.length === 0) {
    root.append(el("p", "empty", t(lang, "review.none")));
    return;
  }
  const list = el("ul", "reports review-list");
  list.dataset.count = String(page.reports.length);
  for (const r of page.reports) list.append(lineItem(lang, r, actions.open));
  root.append(list);
  const pages = Math.max(1, Math.ceil(page.total / page.page_size));
  if (pages > 1) {
    const nav = el("nav", "pager");
    const prev = button(t(lang, "review.previous"), "secondary", () => actions.query({ ...query, page: page.page - 1 }), "page-prev");
    prev.disabled = page.page === 0;
    const next = button(t(lang, "review.next"), "secondary", () => actions.query({ ...query, page: page.page + 1 }), "page-next");
    next.disabled = page.page + 1 >= pages;
    nav.append(prev, el("span", "", t(lang, "review.page", { page: page.page + 1, pages })), next);
    root.append(nav);
  }
}

/** QIP assessments in columns by stage, overdue ones flagged, each movable on. */
export function renderPipeline(
  root: HTMLElement,
  lang: Lang,
  lines: ReviewLine[],
  open: (id: string) => void,
  move: (id: string, stage: string) => void,
): void {
  if (lines.length === 0) {
    root.append(el("p", "empty", t(lang, "review.no_qip")));
    return;
  }
  const board = el("div", "pipeline");
  for (const [i, stage] of STAGES.entries()) {
    const column = el("section", "stage-column");
    column.dataset.stage = stage;
    const here = lines.filter((l) => (l.pipeline_stage ?? "assessed") === stage);
    column.append(el("h2", "", `${t(lang, `stage.${stage}`)} (${here.length})`));
    for (const l of here) {
      const card = el("article", `qip-card${l.overdue ? " overdue" : ""}`);
      card.dataset.id = l.id;
      const title = button(l.title, "qip-title", () => open(l.id));
      card.append(title, el("p", "days", t(lang, "review.days_in_stage", { n: l.days_in_stage ?? 0 })));
      if (l.overdue) card.append(el("p", "overdue", t(lang, "review.overdue")));
      card.append(el("p", "by", `${l.unit} · ${l.sector}`));
      const nextStage = STAGES[i + 1];
      if (nextStage) {
        card.append(button(t(lang, "review.move_to", { stage: t(lang, `stage.${nextStage}`) }), "secondary move", () => move(l.id, nextStage)));
      }
      column.append(card);
    }
    board.append(column);
  }
  root.append(board);
}

/** Asking a unit (or a whole sector) to look for something on its next patrols. */
export function renderAsk(
  root: HTMLElement,
  lang: Lang,
  clearances: string[],
  send: (ask: StandingQuestion) => Promise<void>,
  cancel: () => void,
): void {
  const form = el("form", "ask");
  form.addEventListener("submit", (e) => e.preventDefault());
  form.append(el("h1", "question", t(lang, "ask.title")), el("p", "step-help", t(lang, "ask.help")));
  const field = (text: Key, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement) => {
    const box = el("label", "field");
    box.append(el("span", "field-label", t(lang, text)), input);
    form.append(box);
    return input;
  };
  const question = el("textarea", "answer narrative");
  question.id = "ask-question";
  question.rows = 4;
  field("ask.question", question);
  const input = (id: string, text: Key, kind = "text") => {
    const box = el("input", "answer");
    box.id = id;
    box.type = kind;
    return field(text, box);
  };
  const unit = input("ask-unit", "ask.unit");
  const sector = input("ask-sector", "ask.sector");
  const area = input("ask-area", "ask.area");
  const until = input("ask-until", "ask.until", "date");
  const level = el("select", "answer");
  level.id = "ask-classification";
  for (const c of clearances) {
    const o = el("option", "", label(lang, `class.${c}`, c));
    o.value = c;
    level.append(o);
  }
  field("start.classification", level);
  const problem = el("p", "problem");
  problem.setAttribute("role", "alert");
  form.append(
    problem,
    button(t(lang, "ask.send"), "primary big", () => {
      problem.textContent = "";
      // One question per tap, however the glove lands.
      const sendButton = form.querySelector<HTMLButtonElement>("#ask-send");
      if (sendButton) sendButton.disabled = true;
      send({
        question: question.value,
        unit: unit.value || undefined,
        sector: sector.value || undefined,
        area: area.value || undefined,
        until: dayStart(until.value),
        classification: level.value,
      }).catch((e: { message?: string }) => {
        problem.textContent = e.message ?? String(e);
        if (sendButton) sendButton.disabled = false;
      });
    }, "ask-send"),
    button(t(lang, "start.cancel"), "secondary", cancel, "ask-cancel"),
  );
  root.append(form);
}

/** What a print preview may do: be printed, nothing else (no scripts, forms, popups or navigation). */
export const PRINT_SANDBOX = "allow-same-origin allow-modals";

/** A print-ready page (weekly summary, one report) shown as it will print. */
export function renderPrint(root: HTMLElement, lang: Lang, html: string, back: () => void): void {
  const frame = el("iframe", "print-frame");
  frame.title = t(lang, "print.title");
  // The page holds text people typed: it may never run script. Same origin
  // (without scripts) only so that the Print button can print the frame.
  frame.setAttribute("sandbox", PRINT_SANDBOX);
  frame.srcdoc = html;
  const bar = el("nav", "step-nav");
  bar.append(
    button(t(lang, "print.back"), "secondary", back, "print-back"),
    button(t(lang, "print.print"), "primary", () => frame.contentWindow?.print(), "print-now"),
  );
  root.append(bar, frame);
}

/** What one recorded change did, in words ("answer casualties" → Answered “Casualties”). */
export function describeChange(lang: Lang, what: string, form: Form | undefined): string {
  const space = what.indexOf(" ");
  const head = space < 0 ? what : what.slice(0, space);
  const rest = space < 0 ? "" : what.slice(space + 1);
  const fieldLabel = (id: string) => form?.fields.find((f) => f.id === id)?.label[lang] ?? id;
  switch (head) {
    case "create":
      return t(lang, "change.create");
    case "answer":
      return t(lang, "change.answer", { field: fieldLabel(rest) });
    case "answers":
      return t(lang, "change.answers");
    case "status":
      return t(lang, "change.status", { value: label(lang, `status.${rest}`, rest) });
    case "classification":
      return t(lang, "change.classification", { value: label(lang, `class.${rest}`, rest) });
    case "language":
      return t(lang, "change.language", { value: label(lang, `lang.${rest}`, rest) });
    case "comment":
      return t(lang, "change.comment");
    case "link":
      return t(lang, "change.link");
    case "share":
      return t(lang, "change.share", { value: rest.replace(/^sector:/, "") });
    case "photo":
      return t(lang, "change.photo");
    case "note":
      return t(lang, "change.note", { value: form?.steps.find((s) => s.id === rest)?.question[lang] ?? rest });
    case "voice":
      return t(lang, "change.voice");
    case "stage":
      return t(lang, "change.stage", { value: label(lang, `stage.${rest}`, rest) });
    case "read-back":
      return t(lang, "change.readback");
    case "resolve":
      return t(lang, "change.resolve", {
        value: rest.startsWith("answers.") ? fieldLabel(rest.slice(8)) : t(lang, `review.facet.${rest.slice(5)}` as Key),
      });
    default:
      return t(lang, "change.other", { value: what });
  }
}
