// The debrief: one question per screen, as a debrief officer would ask it,
// with back and skip, a narrative box and voice notes on every step; then the
// read-back the author checks, corrects and confirms. The same report opens
// as a plain form for those who prefer one. Questions, prompts and order all
// come from the form definition.
import { api, asAppError, type ReportLine, type ReportView } from "./api";
import { Autosave, type SaveState } from "./autosave";
import { button, el, fileBytes } from "./dom";
import { type FieldContext, renderField, showFlow, showProblems, stepNarrative, voiceNotes } from "./fields";
import { askedSteps, type Form, type Step } from "./forms";
import { type Lang, t } from "./i18n";

export interface Navigator {
  debrief(id: string, step: number, returnToReadback?: boolean): void;
  readback(id: string): void;
  form(id: string): void;
  report(id: string): void;
  home(): void;
}

/** Object URLs of stored files, made once per file while the app runs. */
const urls = new Map<string, Promise<string>>();
export function fileUrl(sha256: string, lang: Lang): Promise<string> {
  let url = urls.get(sha256);
  if (!url) {
    url = api.file(sha256, lang).then((bytes) =>
      // Raw bytes arrive as an ArrayBuffer, or as a list of numbers where the
      // webview's IPC has no binary channel.
      URL.createObjectURL(new Blob([Array.isArray(bytes) ? Uint8Array.from(bytes) : bytes])),
    );
    url.catch(() => urls.delete(sha256));
    urls.set(sha256, url);
  }
  return url;
}

/** One open report: its view, its form, and the autosave writing its answers. */
export class Session {
  readonly autosave: Autosave;
  status: HTMLElement;
  /** Called when an answer changed what the form asks; the screen redraws what depends on it. */
  onFlow: () => void = () => {};

  constructor(
    public lang: Lang,
    public form: Form,
    public report: ReportView,
    public otherReports: ReportLine[],
    private redraw: () => void,
  ) {
    this.status = el("p", "save-state");
    this.status.setAttribute("role", "status");
    this.autosave = new Autosave(
      (key, value) => this.save(key, value),
      (s) => this.showState(s),
    );
  }

  private showState(s: SaveState): void {
    this.status.dataset.state = s;
    // Typed and about to be saved reads as saving: the pause is a detail.
    this.status.textContent = s === "idle" ? "" : t(this.lang, s === "pending" ? "save.saving" : `save.${s}`);
    if (this.autosave.lastLatencyMs !== null) this.status.dataset.latencyMs = this.autosave.lastLatencyMs.toFixed(1);
  }

  private async save(key: string, value: unknown): Promise<void> {
    const [kind, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    try {
      if (kind === "answer") {
        const saved = await api.saveAnswer(this.report.id, name, value, this.lang);
        showProblems(document, name, saved.problems);
        this.report.answers = saved.answers;
        if (saved.saved) delete this.report.pending[name];
        else this.report.pending[name] = value;
        for (const hidden of saved.flow.hidden_fields) delete this.report.pending[hidden];
        this.report.flow = saved.flow;
        this.onFlow();
      } else {
        await api.saveNote(this.report.id, name, String(value ?? ""), this.lang);
        this.report.notes[name] = String(value ?? "");
      }
    } catch (e) {
      const err = asAppError(e);
      showProblems(document, kind === "answer" ? name : `note:${name}`, [{ field: name, ...err }]);
      throw e;
    }
  }

  context(): FieldContext {
    return {
      lang: this.lang,
      form: this.form,
      report: this.report,
      autosave: this.autosave,
      otherReports: this.otherReports,
      fileUrl: (sha) => fileUrl(sha, this.lang),
      redraw: () => this.redraw(),
      addPhoto: (file) => void this.attach("photos", () => fileBytes(file).then((b) => api.addPhoto(this.report.id, b, this.lang))),
      addVoiceNote: (step, audio) =>
        void this.attach(`voice:${step}`, () =>
          fileBytes(audio).then((b) => api.addVoiceNote(this.report.id, step, b, this.lang)),
        ),
    };
  }

  /** Adds a file; the screen is redrawn with it, or shows why it was refused. */
  private async attach(problemsFor: string, send: () => Promise<ReportView>): Promise<void> {
    await this.autosave.flush();
    const box = document.querySelector<HTMLElement>(`[data-problems-for="${problemsFor}"]`);
    box?.replaceChildren(el("p", "working", t(this.lang, "field.adding_file")));
    try {
      this.report = await send();
      this.redraw();
    } catch (e) {
      const err = asAppError(e);
      showProblems(document, problemsFor, [{ field: problemsFor, ...err }]);
    }
  }
}

function header(session: Session, text: string, progress?: { at: number; of: number }): HTMLElement {
  const head = el("header", "debrief-head");
  const formTitle = session.form.title[session.lang];
  const title = session.report.title;
  const kind = el("p", "debrief-kind", title && title !== formTitle ? `${formTitle} · ${title}` : formTitle);
  head.append(kind);
  if (progress) {
    head.append(el("p", "step-count", t(session.lang, "debrief.step_of", { n: progress.at + 1, total: progress.of })));
    const bar = el("div", "progress");
    const fill = el("div", "progress-fill");
    fill.style.width = `${Math.round(((progress.at + 1) / progress.of) * 100)}%`;
    bar.append(fill);
    head.append(bar);
  }
  head.append(el("h1", "question", text), session.status);
  return head;
}

/** A step's fields (asked as questions, or under their labels), then its narrative box and voice notes. */
function stepFields<T extends HTMLElement>(ctx: FieldContext, step: Step, asked: boolean, into: T): T {
  for (const id of step.fields) {
    const f = renderField(ctx, id, asked);
    if (f) into.append(f);
  }
  into.append(stepNarrative(ctx, step.id), voiceNotes(ctx, step.id));
  return into;
}

/** One step of the debrief. */
export function renderStep(
  root: HTMLElement,
  session: Session,
  stepIndex: number,
  nav: Navigator,
  returnToReadback: boolean,
): void {
  const { form, lang } = session;
  const asked = () => askedSteps(form, session.report.flow.hidden_steps);
  // A step the answers no longer ask (reopened where it was left): the next one that is.
  if (!asked().includes(stepIndex)) {
    const after = asked().find((i) => i > stepIndex);
    if (after === undefined) nav.readback(session.report.id);
    else nav.debrief(session.report.id, after, returnToReadback);
    return;
  }
  const step = form.steps[stepIndex];
  const ctx = session.context();
  const screen = el("section", "debrief with-nav");
  screen.dataset.step = step.id;
  screen.dataset.stepIndex = String(stepIndex);
  // "Question 3 of 9" counts the steps asked, and follows the answers.
  const progress = () => ({ at: asked().indexOf(stepIndex), of: asked().length });
  let head = header(session, step.question[lang], progress());
  screen.append(head);
  const body = el("div", "scroll");
  if (step.help) body.append(el("p", "step-help", step.help[lang]));
  body.append(stepFields(ctx, step, true, el("div", "fields")));
  screen.append(body);
  session.onFlow = () => {
    showFlow(body, ctx);
    const fresh = header(session, step.question[lang], progress());
    head.replaceWith(fresh);
    head = fresh;
  };

  // Navigating saves what was typed first (see `go` in main.ts); the
  // answers given on this step may change which steps come next.
  const next = () => {
    const after = asked().find((i) => i > stepIndex);
    if (returnToReadback || after === undefined) nav.readback(session.report.id);
    else nav.debrief(session.report.id, after);
  };
  const bar = el("nav", "step-nav");
  bar.append(
    button(t(lang, "debrief.back"), "secondary", () => {
      const before = asked().filter((i) => i < stepIndex).pop();
      if (before === undefined) nav.home();
      else nav.debrief(session.report.id, before);
    }, "step-back"),
    button(t(lang, "debrief.plain_form"), "secondary", () => nav.form(session.report.id), "to-form"),
    button(t(lang, "debrief.skip"), "secondary", next, "step-skip"),
    button(
      t(lang, returnToReadback ? "debrief.back_to_readback" : "debrief.next"),
      "primary",
      next,
      "step-next",
    ),
  );
  screen.append(bar);
  root.replaceChildren(screen);
}

/** The read-back: the report built from the answers, to check and confirm. */
export function renderReadback(root: HTMLElement, session: Session, nav: Navigator): void {
  const { lang, report } = session;
  const screen = el("section", "readback with-nav");
  screen.append(header(session, t(lang, "readback.title")));
  const body = el("div", "scroll");
  body.append(el("p", "step-help", t(lang, "readback.help")));
  const problemsBy = new Map<string, string[]>();
  for (const p of report.problems) problemsBy.set(p.field, [...(problemsBy.get(p.field) ?? []), p.message]);
  for (const field of Object.keys(report.pending)) {
    if (!problemsBy.has(field)) problemsBy.set(field, [t(lang, "readback.not_valid_yet")]);
  }
  report.readback.forEach((section) => {
    const box = el("article", "readback-step");
    box.dataset.step = section.step;
    const head = el("div", "readback-head");
    head.append(
      el("h2", "", section.question),
      button(t(lang, "readback.correct"), "secondary correct", () =>
        nav.debrief(report.id, Math.max(0, session.form.steps.findIndex((s) => s.id === section.step)), true),
      ),
    );
    box.append(head);
    const list = el("dl", "readback-lines");
    for (const line of section.lines) {
      const problems = problemsBy.get(line.field) ?? [];
      if (line.value === null && problems.length === 0 && !line.required) continue;
      const term = el("dt", "", line.label);
      const value = el("dd", line.value === null ? "unanswered" : "", line.value ?? t(lang, "readback.unanswered"));
      value.dataset.field = line.field;
      for (const message of problems) {
        const p = el("p", "problem", message);
        p.setAttribute("role", "alert");
        value.append(p);
      }
      list.append(term, value);
    }
    box.append(list);
    if (section.note) box.append(el("blockquote", "readback-note", section.note));
    const voices = report.voice_notes.filter((v) => v.step === section.step).length;
    if (voices > 0) box.append(el("p", "hint", t(lang, "readback.voice_notes", { n: voices })));
    body.append(box);
  });
  if (report.photos.length > 0) {
    body.append(el("p", "readback-photos", t(lang, "readback.photos", { n: report.photos.length })));
  }
  const result = el("div", "submit-result");
  result.setAttribute("role", "alert");
  const bar = el("nav", "step-nav");
  bar.append(
    button(
      t(lang, "debrief.back"),
      "secondary",
      () => nav.debrief(report.id, askedSteps(session.form, report.flow.hidden_steps).pop() ?? 0),
      "step-back",
    ),
    button(t(lang, "debrief.plain_form"), "secondary", () => nav.form(report.id), "to-form"),
    button(t(lang, "readback.confirm"), "primary", async () => {
      try {
        await session.autosave.flush();
        const done = await api.submit(report.id, lang);
        nav.report(done.id);
      } catch (e) {
        const err = asAppError(e);
        result.dataset.code = err.code;
        result.textContent = err.message;
      }
    }, "confirm-submit"),
  );
  body.append(result);
  screen.append(body, bar);
  root.replaceChildren(screen);
}

/** Every question on one page, under short labels, grouped by step. */
export function renderPlainForm(root: HTMLElement, session: Session, nav: Navigator): void {
  const { form, lang } = session;
  const ctx = session.context();
  const screen = el("section", "plain-form with-nav");
  screen.append(header(session, form.title[lang]));
  const body = el("div", "scroll");
  form.steps.forEach((step) => {
    const group = el("fieldset", "form-step");
    group.dataset.step = step.id;
    group.append(el("legend", "", step.question[lang]));
    body.append(stepFields(ctx, step, false, group));
  });
  showFlow(body, ctx);
  session.onFlow = () => showFlow(body, ctx);
  screen.append(body);
  const bar = el("nav", "step-nav");
  bar.append(
    button(t(lang, "debrief.guided"), "secondary", () => nav.debrief(session.report.id, session.report.step ?? 0), "to-debrief"),
    button(t(lang, "debrief.to_readback"), "primary", () => nav.readback(session.report.id), "to-readback"),
  );
  screen.append(bar);
  root.replaceChildren(screen);
}
