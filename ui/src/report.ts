// A report after submission: where it stands with the hub, its review status,
// what headquarters asked or said, and the read-back the author confirmed.
import { api, asAppError, type Comment, type ReadbackSection, type ReportView } from "./api";
import { fileUrl, type Navigator } from "./debrief";
import { button, el } from "./dom";
import { thumbnails } from "./fields";
import { deliveryText, label, STANDING_QUESTION } from "./home";
import { type Lang, t } from "./i18n";

/**
 * One comment of a report's thread: a question from headquarters marked as
 * one, "You" on what this device wrote.
 */
export function commentItem(lang: Lang, c: Comment, deviceId: string): HTMLElement {
  const mine = c.device === deviceId;
  const item = el("article", `comment ${mine ? "mine" : "theirs"}${c.question ? " asked" : ""}`);
  const who = c.author || t(lang, mine ? "report.you" : "report.someone");
  const when = new Date(c.at).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
  item.append(
    el("p", "comment-by", `${c.question ? `${t(lang, "report.question_from_hq")} · ` : ""}${who} · ${when}`),
    el("p", "comment-text", c.text),
  );
  return item;
}

/** The answered steps of a report, each with its answers and the author's own words. */
export function answeredSteps(readback: ReadbackSection[]): HTMLElement[] {
  const boxes: HTMLElement[] = [];
  for (const s of readback) {
    const lines = s.lines.filter((l) => l.value !== null);
    if (lines.length === 0 && !s.note) continue;
    const box = el("article", "readback-step");
    box.append(el("h3", "", s.question));
    const list = el("dl", "readback-lines");
    for (const l of lines) list.append(el("dt", "", l.label), el("dd", "", l.value ?? ""));
    box.append(list);
    if (s.note) box.append(el("blockquote", "readback-note", s.note));
    boxes.push(box);
  }
  return boxes;
}

export function renderReport(root: HTMLElement, lang: Lang, report: ReportView, nav: Navigator, deviceId: string): void {
  const screen = el("section", "report-screen with-nav");
  screen.dataset.id = report.id;
  const head = el("header", "debrief-head");
  head.append(
    el("p", "debrief-kind", label(lang, `kind.${report.form}`, report.form)),
    el("h1", "question", report.title),
  );
  const facts = el("div", "report-meta");
  facts.append(
    el("span", `status status-${report.meta.status}`, label(lang, `status.${report.meta.status}`, report.meta.status)),
    el("span", "classification", label(lang, `class.${report.meta.classification}`, report.meta.classification)),
    el("span", `delivery delivery-${report.delivery}`, deliveryText(lang, report)),
    el("span", "written-in", t(lang, "report.written_in", { lang: label(lang, `lang.${report.meta.language}`, report.meta.language) })),
  );
  head.append(facts);
  screen.append(head);
  const scroll = el("div", "scroll");

  // Headquarters' words first: that is why a returning patrol opens it.
  const thread = el("section", "comment-thread");
  thread.append(el("h2", "", t(lang, "report.comments_title")));
  if (report.comments.length === 0) thread.append(el("p", "hint", t(lang, "report.no_comments")));
  for (const c of report.comments) thread.append(commentItem(lang, c, deviceId));
  const reply = el("textarea", "answer narrative");
  reply.id = "reply";
  reply.rows = 3;
  reply.placeholder = t(lang, "report.reply_placeholder");
  const replyError = el("p", "problem");
  thread.append(
    reply,
    button(t(lang, "report.send_reply"), "primary", async () => {
      if (!reply.value.trim()) return;
      try {
        const updated = await api.addComment(report.id, reply.value, lang);
        renderReport(root, lang, updated, nav, deviceId);
      } catch (e) {
        replyError.textContent = asAppError(e).message;
      }
    }, "send-reply"),
    replyError,
  );
  scroll.append(thread);

  if (report.photos.length > 0) scroll.append(thumbnails(report.photos, lang, (sha) => fileUrl(sha, lang)));

  // A standing question is headquarters' document: its place and date are
  // facts under the question, and there is nothing for the unit to confirm or edit.
  const asked = report.form === STANDING_QUESTION;
  if (asked) {
    for (const l of report.readback.flatMap((s) => s.lines)) {
      if (l.value !== null && l.field !== "question") facts.append(el("span", "asked-fact", `${l.label}: ${l.value}`));
    }
  }
  const body = el("section", "readback");
  body.append(el("h2", "", t(lang, report.confirmed ? "report.as_confirmed" : "readback.title")));
  body.append(...answeredSteps(report.readback));
  if (!asked) scroll.append(body);
  screen.append(scroll);

  const bar = el("nav", "step-nav");
  bar.append(
    button(t(lang, "report.home"), "secondary", () => nav.home(), "to-home"),
  );
  if (!asked) bar.append(button(t(lang, "report.edit"), "secondary", () => nav.form(report.id), "to-form"));
  screen.append(bar);
  root.replaceChildren(screen);
}
