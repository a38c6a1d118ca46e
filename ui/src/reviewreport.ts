// One report as a reviewer sees it, whole: review status, conflicts side by
// side with a choice, comments and questions to the author, every answer,
// photos (preview, original when it is here), voice notes, the read-back as
// the author confirmed it, links and suggested links, where a QIP stands,
// and the full history of who changed what, when, from which device.
import type { ReviewReport } from "./api";
import { fileUrl } from "./debrief";
import { button, el } from "./dom";
import type { Form } from "./forms";
import { classificationBadge, label } from "./home";
import { answeredSteps, commentItem } from "./report";
import { type Key, type Lang, t } from "./i18n";
import { describeChange, STAGES } from "./review";

export interface ReviewReportActions {
  back(): void;
  open(id: string): void;
  print(): void;
  setStatus(status: string): Promise<void>;
  comment(text: string, question: boolean): Promise<void>;
  resolve(path: string, value: unknown): Promise<void>;
  link(to: string, relation: string): Promise<void>;
  stage(stage: string): Promise<void>;
  /** Release at a lower level: a copy without the report's history. */
  declassify(level: string): Promise<void>;
}

const LEVELS = ["UNCLASSIFIED", "CONFIDENTIAL", "STRICTLY CONFIDENTIAL"];

const REVIEW_STATUSES = ["under_review", "needs_information", "verified", "closed"];

function shown(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("lat" in o && "lon" in o) return `${o.place ? `${o.place} · ` : ""}${o.lat}, ${o.lon}`;
    return JSON.stringify(value);
  }
  return String(value);
}

function section(title: string, cls: string): HTMLElement {
  const box = el("section", `review-section ${cls}`);
  box.append(el("h2", "", title));
  return box;
}

export function renderReviewReport(
  root: HTMLElement,
  lang: Lang,
  found: ReviewReport,
  form: Form | undefined,
  actions: ReviewReportActions,
  deviceId = "",
): void {
  const r = found.report;
  const screen = el("section", "review-report with-nav");
  screen.dataset.id = r.id;
  const problem = el("p", "problem");
  problem.setAttribute("role", "alert");
  // One change at a time: a gloved double tap must not file a comment twice.
  const act = (p: Promise<void>) => {
    problem.textContent = "";
    const buttons = [...screen.querySelectorAll("button")];
    for (const b of buttons) b.disabled = true;
    p.catch((e: { message?: string }) => {
      problem.textContent = e.message ?? String(e);
      for (const b of buttons) b.disabled = false;
    });
  };

  const head = el("header", "debrief-head");
  head.append(el("p", "debrief-kind", label(lang, `kind.${r.form}`, r.form)), el("h1", "question", r.title));
  const facts = el("div", "report-meta");
  facts.append(
    el("span", `status status-${r.meta.status}`, label(lang, `status.${r.meta.status}`, r.meta.status)),
    classificationBadge(lang, r.meta.classification),
    el("span", "by", t(lang, "review.by", { author: r.meta.author, unit: r.meta.author_unit, sector: r.meta.sector })),
    el("span", "written-in", t(lang, "report.written_in", { lang: label(lang, `lang.${r.meta.language}`, r.meta.language) })),
  );
  head.append(facts, problem);
  screen.append(head);
  const scroll = el("div", "scroll");

  // Status: one tap each, the current one pressed.
  const statuses = section(t(lang, "reviewreport.status"), "review-status");
  const row = el("div", "options");
  for (const s of REVIEW_STATUSES) {
    const b = button(label(lang, `status.${s}`, s), "option", () => act(actions.setStatus(s)), `status-${s}`);
    b.setAttribute("aria-pressed", String(r.meta.status === s));
    row.append(b);
  }
  statuses.append(row);
  scroll.append(statuses);

  // Releasing at a lower level makes a copy: the report keeps its level and
  // its history, which the devices the copy is for never receive.
  const lower = LEVELS.slice(0, Math.max(0, LEVELS.indexOf(r.meta.classification)));
  if (lower.length > 0) {
    const release = section(t(lang, "reviewreport.declassify"), "declassify-box");
    release.append(el("p", "hint", t(lang, "reviewreport.declassify_help")));
    const choices = el("div", "options");
    for (const level of lower) {
      choices.append(
        button(
          t(lang, "reviewreport.release_at", { level: label(lang, `class.${level}`, level) }),
          "secondary",
          () => act(actions.declassify(level)),
          `declassify-${level.replace(" ", "_")}`,
        ),
      );
    }
    release.append(choices);
    scroll.append(release);
  }

  // Conflicts first: nothing else on the report is settled until they are.
  if (r.conflicts.length > 0) {
    const box = section(t(lang, "reviewreport.conflicts"), "conflicts-box");
    box.append(el("p", "hint", t(lang, "reviewreport.conflict_help")));
    for (const c of r.conflicts) {
      const item = el("article", "conflict");
      item.dataset.path = c.path;
      const [where, key] = c.path.split(".", 2);
      const name = where === "answers" ? (form?.fields.find((f) => f.id === key)?.label[lang] ?? key) : t(lang, `review.facet.${key === "language" ? "language" : key}` as Key);
      item.append(el("h3", "", name));
      const sides = el("div", "conflict-sides");
      c.values.forEach((v, i) => {
        const side = el("div", "conflict-side");
        side.append(el("p", "conflict-value", shown(v)), button(t(lang, "reviewreport.keep"), "primary", () => act(actions.resolve(c.path, v)), `keep-${i}`));
        sides.append(side);
      });
      item.append(sides);
      box.append(item);
    }
    scroll.append(box);
  }

  // Comments and questions: what travels back to the field.
  const thread = section(t(lang, "reviewreport.comments"), "comment-thread");
  if (r.comments.length === 0) thread.append(el("p", "hint", t(lang, "report.no_comments")));
  for (const c of r.comments) thread.append(commentItem(lang, c, deviceId));
  const text = el("textarea", "answer narrative");
  text.id = "review-comment";
  text.rows = 3;
  text.placeholder = t(lang, "reviewreport.comment_placeholder");
  const buttons = el("div", "options");
  buttons.append(
    button(t(lang, "reviewreport.send_question"), "primary", () => act(actions.comment(text.value, true)), "send-question"),
    button(t(lang, "reviewreport.send_comment"), "secondary", () => act(actions.comment(text.value, false)), "send-comment"),
  );
  thread.append(text, buttons);
  scroll.append(thread);

  // Where a QIP assessment stands, and the next move.
  if (found.pipeline) {
    const p = found.pipeline;
    const box = section(t(lang, "reviewreport.pipeline"), "pipeline-box");
    const steps = el("ol", "stages");
    for (const s of STAGES) {
      const spent = p.days_per_stage.find(([name]) => name === s);
      const li = el("li", s === p.stage ? `current${p.overdue ? " overdue" : ""}` : "");
      li.textContent = `${t(lang, `stage.${s}`)}${spent ? ` · ${t(lang, "review.days", { n: spent[1] })}` : ""}${s === p.stage ? ` · ${t(lang, "review.days_in_stage", { n: p.days_in_stage })}` : ""}`;
      steps.append(li);
    }
    box.append(steps);
    if (p.overdue) box.append(el("p", "overdue", t(lang, "review.overdue")));
    const next = STAGES[STAGES.indexOf(p.stage as (typeof STAGES)[number]) + 1];
    if (next) box.append(button(t(lang, "review.move_to", { stage: t(lang, `stage.${next}`) }), "secondary", () => act(actions.stage(next)), "stage-next"));
    scroll.append(box);
  }

  // The answers, step by step, with the author's own words.
  const answers = section(t(lang, "reviewreport.answers"), "readback");
  answers.append(...answeredSteps(r.readback));
  scroll.append(answers);

  if (r.photos.length > 0) {
    const box = section(t(lang, "reviewreport.photos"), "review-photos");
    const big = el("img", "photo-preview");
    big.alt = t(lang, "field.photo_alt");
    const grid = el("div", "thumbs");
    for (const p of r.photos) {
      const figure = el("figure", "photo");
      const img = el("img", "thumb");
      img.alt = t(lang, "field.photo_alt");
      img.width = 160;
      img.height = Math.round((160 * p.thumbnail.height) / Math.max(1, p.thumbnail.width));
      img.loading = "lazy";
      img.dataset.photo = p.id;
      void fileUrl(p.thumbnail.sha256, lang).then((url) => (img.src = url), () => img.classList.add("missing"));
      img.addEventListener("click", () => void fileUrl(p.preview.sha256, lang).then((url) => (big.src = url), () => {}));
      const caption = el("figcaption");
      if (found.originals_here.includes(p.original.sha256)) {
        caption.append(button(t(lang, "reviewreport.original"), "secondary small", () => void fileUrl(p.original.sha256, lang).then((url) => (big.src = url), () => {})));
      } else {
        caption.append(el("span", "hint", t(lang, "reviewreport.original_missing")));
      }
      figure.append(img, caption);
      grid.append(figure);
    }
    box.append(grid, big);
    scroll.append(box);
  }

  if (r.voice_notes.length > 0) {
    const box = section(t(lang, "reviewreport.voice"), "review-voice");
    for (const v of r.voice_notes) {
      const audio = el("audio");
      audio.controls = true;
      void fileUrl(v.file.sha256, lang).then((url) => (audio.src = url), () => audio.classList.add("missing"));
      box.append(audio);
    }
    scroll.append(box);
  }

  const confirmed = section(t(lang, "reviewreport.readback"), "confirmed");
  if (r.confirmed) {
    confirmed.append(el("p", "hint", `${r.confirmed.by} · ${new Date(r.confirmed.at).toLocaleString(lang)}`), el("pre", "readback-text", r.confirmed.text));
  } else {
    confirmed.append(el("p", "hint", t(lang, "reviewreport.not_confirmed")));
  }
  scroll.append(confirmed);

  if (found.links.length > 0 || found.suggestions.length > 0) {
    const box = section(t(lang, "reviewreport.links"), "links");
    for (const l of found.links) {
      const relation: Key =
        l.relation === "related"
          ? "reviewreport.related"
          : l.relation === "declassified_from"
            ? "reviewreport.declassified_from"
            : "reviewreport.same_incident";
      const b = button(`${t(lang, relation)}: ${l.title ?? l.id}`, "link-line", () => actions.open(l.id));
      b.dataset.id = l.id;
      box.append(b);
    }
    if (found.suggestions.length > 0) {
      box.append(el("h3", "", t(lang, r.form === "qip" ? "reviewreport.overlaps" : "reviewreport.suggestions")));
      for (const s of found.suggestions) {
        const item = el("article", "suggestion");
        item.dataset.id = s.report;
        const why = [
          ...s.reasons.map((x) => label(lang, `reason.${x}`, x)),
          s.distance_km !== null ? t(lang, "reviewreport.km", { km: s.distance_km.toFixed(1) }) : "",
          t(lang, "reviewreport.hours", { h: Math.round(s.hours_apart) }),
        ].filter(Boolean);
        item.append(
          button(s.title, "link-line", () => actions.open(s.report)),
          el("p", "hint", why.join(" · ")),
          button(t(lang, "reviewreport.link_same"), "secondary", () => act(actions.link(s.report, "same_incident"))),
          button(t(lang, "reviewreport.link_related"), "secondary", () => act(actions.link(s.report, "related"))),
        );
        box.append(item);
      }
    }
    scroll.append(box);
  }

  const history = section(t(lang, "reviewreport.history"), "history");
  const table = el("table", "history-table");
  for (const h of [...found.history].reverse()) {
    const tr = el("tr");
    tr.append(
      el("td", "", new Date(h.at * 1000).toLocaleString(lang)),
      el("td", "", `${h.who ?? "—"} · ${t(lang, "reviewreport.by_device", { device: h.device.slice(0, 8) })}`),
      el("td", "", describeChange(lang, h.what, form)),
      el(
        "td",
        h.verified ? "history-verified" : "history-unverified",
        t(lang, h.verified ? "reviewreport.verified" : "reviewreport.unverified"),
      ),
    );
    table.append(tr);
  }
  history.append(table);
  scroll.append(history);
  screen.append(scroll);

  const bar = el("nav", "step-nav");
  bar.append(
    button(t(lang, "reviewreport.back"), "secondary", actions.back, "review-back"),
    button(t(lang, "reviewreport.print"), "secondary", actions.print, "review-print"),
  );
  screen.append(bar);
  root.replaceChildren(screen);
}
