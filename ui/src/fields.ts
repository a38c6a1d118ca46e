// One answer control per field type, shared by the debrief (one step at a
// time) and the plain form (every step on one page). Controls are big: a
// gloved thumb must hit them. Every change goes to autosave; problems the
// Rust side finds are shown under the field, in the person's language.
import type { PhotoRef, Problem, ReportLine, ReportView } from "./api";
import type { Autosave } from "./autosave";
import { button, el, filePicker } from "./dom";
import {
  type Field,
  type Form,
  fieldOf,
  inputText,
  parseDatetime,
  parseLocation,
  parseNumber,
  parsePeopleCount,
} from "./forms";
import { type Lang, t } from "./i18n";

export interface FieldContext {
  lang: Lang;
  form: Form;
  report: ReportView;
  autosave: Autosave;
  otherReports: ReportLine[];
  /** An object URL for a stored file (thumbnail, voice note). */
  fileUrl: (sha256: string) => Promise<string>;
  addPhoto: (file: File) => void;
  addVoiceNote: (step: string, audio: Blob) => void;
  /** Draws the screen again (after an entry is added or removed). */
  redraw: () => void;
  /** Inside a repeat: the entry whose questions these are. */
  entry?: { repeat: string; position: number };
}

/** The element id of a field's control (unique per entry inside a repeat). */
function domId(ctx: FieldContext, id: string): string {
  return ctx.entry ? `answer-${ctx.entry.repeat}-${ctx.entry.position}-${id}` : `answer-${id}`;
}

/** Where a field's problems are shown (per entry inside a repeat). */
function problemsKey(ctx: FieldContext, id: string): string {
  return ctx.entry ? `${ctx.entry.repeat}.${ctx.entry.position}.${id}` : id;
}

/** The value shown for a field: what was typed and not yet valid, else the answer. */
function current(ctx: FieldContext, id: string): unknown {
  return id in ctx.report.pending ? ctx.report.pending[id] : ctx.report.answers[id];
}

export function showProblems(root: ParentNode, field: string, problems: Problem[]): void {
  // A repeat's problems go under the question of the entry they are in;
  // each of its entries' boxes is cleared first.
  for (const inner of root.querySelectorAll<HTMLElement>(`[data-problems-for^="${field}."]`)) {
    const [position, id] = (inner.dataset.problemsFor ?? "").slice(field.length + 1).split(".");
    const own = problems.filter((p) => p.entry?.repeat === field && String(p.entry.position) === position && p.field === id);
    showProblemsIn(inner, own);
  }
  const box = root.querySelector<HTMLElement>(`[data-problems-for="${field}"]`);
  if (!box) return;
  showProblemsIn(
    box,
    problems.filter((p) => !p.entry || !root.querySelector(`[data-problems-for="${field}.${p.entry.position}.${p.field}"]`)),
  );
}

function showProblemsIn(box: HTMLElement, problems: Problem[]): void {
  box.replaceChildren(
    ...problems.map((p) => {
      const line = el("p", "problem", p.message);
      line.setAttribute("role", "alert");
      line.dataset.code = p.code;
      return line;
    }),
  );
  box.closest(".field")?.classList.toggle("has-problem", problems.length > 0);
}

function textInput(ctx: FieldContext, field: Field, parse: (raw: string) => unknown, mode?: string): HTMLElement {
  const input = el("input", "answer");
  input.type = "text";
  input.id = domId(ctx, field.id);
  input.dataset.field = field.id;
  if (mode) input.inputMode = mode;
  input.value = inputText(field, current(ctx, field.id));
  if (field.type === "datetime") input.placeholder = t(ctx.lang, "field.datetime_placeholder");
  input.addEventListener("input", () => ctx.autosave.change(`answer:${field.id}`, parse(input.value)));
  input.addEventListener("blur", () => void ctx.autosave.flushKey(`answer:${field.id}`));
  if (field.type !== "datetime") return input;
  const row = el("div", "row");
  row.append(
    input,
    button(t(ctx.lang, "field.now"), "secondary", () => {
      input.value = inputText(field, new Date().toISOString());
      ctx.autosave.change(`answer:${field.id}`, parse(input.value));
      void ctx.autosave.flushKey(`answer:${field.id}`);
    }),
  );
  return row;
}

function narrative(ctx: FieldContext, key: string, id: string, value: string, onValue: (v: string) => unknown): HTMLTextAreaElement {
  const area = el("textarea", "answer narrative");
  area.id = id;
  area.rows = 5;
  area.value = value;
  area.addEventListener("input", () => ctx.autosave.change(key, onValue(area.value)));
  area.addEventListener("blur", () => void ctx.autosave.flushKey(key));
  return area;
}

function options(ctx: FieldContext, field: Field, many: boolean): HTMLElement {
  const group = el("div", "options");
  group.setAttribute("role", many ? "group" : "radiogroup");
  const value = current(ctx, field.id);
  const chosen = new Set<string>(Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : []);
  for (const o of field.options ?? []) {
    const b = button(o.label[ctx.lang], "option", () => {
      // What is pressed now: the report may have dropped an answer since
      // this list was drawn (a cascade whose parent changed).
      chosen.clear();
      for (const other of group.querySelectorAll<HTMLButtonElement>(".option")) {
        if (other.getAttribute("aria-pressed") === "true") chosen.add(other.dataset.value ?? "");
      }
      if (many) {
        if (chosen.has(o.value)) chosen.delete(o.value);
        else chosen.add(o.value);
      } else {
        const was = chosen.has(o.value);
        chosen.clear();
        if (!was) chosen.add(o.value);
      }
      for (const other of group.querySelectorAll<HTMLButtonElement>(".option")) {
        other.setAttribute("aria-pressed", String(chosen.has(other.dataset.value ?? "")));
      }
      const answer = many ? [...chosen] : ([...chosen][0] ?? null);
      ctx.autosave.change(`answer:${field.id}`, answer);
      void ctx.autosave.flushKey(`answer:${field.id}`);
    });
    b.dataset.value = o.value;
    b.setAttribute("aria-pressed", String(chosen.has(o.value)));
    group.append(b);
  }
  return group;
}

function location(ctx: FieldContext, field: Field): HTMLElement {
  const value = (current(ctx, field.id) ?? {}) as Record<string, unknown>;
  const box = el("div", "location");
  const inputs: Record<"place" | "lat" | "lon", HTMLInputElement> = {
    place: el("input", "answer"),
    lat: el("input", "answer coord"),
    lon: el("input", "answer coord"),
  };
  const changed = () =>
    ctx.autosave.change(
      `answer:${field.id}`,
      parseLocation({ place: inputs.place.value, lat: inputs.lat.value, lon: inputs.lon.value }),
    );
  for (const [key, input] of Object.entries(inputs)) {
    input.type = "text";
    input.id = `${domId(ctx, field.id)}-${key}`;
    input.value = value[key] === undefined ? "" : String(value[key]);
    if (key !== "place") input.inputMode = "decimal";
    input.addEventListener("input", changed);
    input.addEventListener("blur", () => void ctx.autosave.flushKey(`answer:${field.id}`));
    const label = el("label", `sub-${key}`);
    label.append(el("span", "sub-label", t(ctx.lang, `field.${key}` as "field.place")), input);
    box.append(label);
  }
  if ("geolocation" in navigator) {
    box.append(
      button(t(ctx.lang, "field.my_position"), "secondary", () => {
        navigator.geolocation.getCurrentPosition(
          (pos) => {
            inputs.lat.value = pos.coords.latitude.toFixed(5);
            inputs.lon.value = pos.coords.longitude.toFixed(5);
            changed();
          },
          () => showProblems(box.closest(".field") ?? document, field.id, [
            { field: field.id, code: "app.no_position", message: t(ctx.lang, "field.no_position") },
          ]),
          { timeout: 15_000 },
        );
      }),
    );
  }
  return box;
}

function peopleCount(ctx: FieldContext, field: Field): HTMLElement {
  const value = (current(ctx, field.id) ?? {}) as Record<string, Record<string, unknown>>;
  const table = el("table", "people");
  const head = el("tr");
  head.append(el("th"), ...(field.age_bands ?? []).map((b) => el("th", "", b.label[ctx.lang])));
  table.append(head);
  const cells: Record<string, Record<string, string>> = {};
  for (const sex of field.sexes ?? []) {
    const row = el("tr");
    row.append(el("th", "", sex.label[ctx.lang]));
    cells[sex.value] = {};
    for (const band of field.age_bands ?? []) {
      const input = el("input", "answer count");
      input.type = "text";
      input.inputMode = "numeric";
      input.id = `${domId(ctx, field.id)}-${sex.value}-${band.value}`;
      input.setAttribute("aria-label", `${sex.label[ctx.lang]} ${band.label[ctx.lang]}`);
      const v = value[sex.value]?.[band.value];
      input.value = v === undefined ? "" : String(v);
      cells[sex.value][band.value] = input.value;
      input.addEventListener("input", () => {
        cells[sex.value][band.value] = input.value;
        ctx.autosave.change(`answer:${field.id}`, parsePeopleCount(cells));
      });
      input.addEventListener("blur", () => void ctx.autosave.flushKey(`answer:${field.id}`));
      const cell = el("td");
      cell.append(input);
      row.append(cell);
    }
    table.append(row);
  }
  return table;
}

/** The thumbnails of a report's photos, drawn as their files arrive. */
export function thumbnails(photos: PhotoRef[], lang: Lang, fileUrl: (sha256: string) => Promise<string>): HTMLElement {
  const grid = el("div", "thumbs");
  for (const p of photos) {
    const img = el("img", "thumb");
    img.alt = t(lang, "field.photo_alt");
    img.width = 160;
    img.height = Math.round((160 * p.thumbnail.height) / Math.max(1, p.thumbnail.width));
    img.dataset.photo = p.id;
    void fileUrl(p.thumbnail.sha256).then((url) => (img.src = url), () => img.classList.add("missing"));
    grid.append(img);
  }
  return grid;
}

function photos(ctx: FieldContext): HTMLElement {
  const box = el("div", "photos");
  const grid = thumbnails(ctx.report.photos, ctx.lang, ctx.fileUrl);
  box.append(grid, filePicker(t(ctx.lang, "field.add_photo"), "photo", "image/*", ctx.addPhoto));
  return box;
}

function reportLinks(ctx: FieldContext, field: Field): HTMLElement {
  const group = el("div", "options");
  const value = current(ctx, field.id);
  const chosen = new Set<string>(Array.isArray(value) ? value.map(String) : []);
  const others = ctx.otherReports.filter((r) => r.id !== ctx.report.id).slice(0, 12);
  if (others.length === 0) return el("p", "hint", t(ctx.lang, "field.no_other_reports"));
  for (const r of others) {
    const b = button(r.title, "option", () => {
      if (chosen.has(r.id)) chosen.delete(r.id);
      else chosen.add(r.id);
      b.setAttribute("aria-pressed", String(chosen.has(r.id)));
      ctx.autosave.change(`answer:${field.id}`, [...chosen]);
      void ctx.autosave.flushKey(`answer:${field.id}`);
    });
    b.setAttribute("aria-pressed", String(chosen.has(r.id)));
    group.append(b);
  }
  return group;
}

/** Voice notes of one step: play them, record one, or attach a recording. */
export function voiceNotes(ctx: FieldContext, step: string): HTMLElement {
  const box = el("div", "voice");
  box.dataset.step = step;
  box.append(el("h3", "voice-title", t(ctx.lang, "voice.title")));
  const list = el("div", "voice-list");
  for (const n of ctx.report.voice_notes.filter((v) => v.step === step)) {
    const audio = el("audio");
    audio.controls = true;
    audio.dataset.note = n.id;
    void ctx.fileUrl(n.file.sha256).then((url) => (audio.src = url), () => {});
    list.append(audio);
  }
  box.append(list);
  const row = el("div", "row");
  const problems = el("div", "problems");
  problems.dataset.problemsFor = `voice:${step}`;
  if (typeof MediaRecorder !== "undefined" && navigator.mediaDevices?.getUserMedia) {
    let recorder: MediaRecorder | null = null;
    const rec = button(t(ctx.lang, "voice.record"), "secondary record", async () => {
      if (recorder) {
        recorder.stop();
        return;
      }
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        const chunks: Blob[] = [];
        recorder = new MediaRecorder(stream);
        recorder.ondataavailable = (e) => chunks.push(e.data);
        recorder.onstop = () => {
          for (const track of stream.getTracks()) track.stop();
          recorder = null;
          rec.textContent = t(ctx.lang, "voice.record");
          ctx.addVoiceNote(step, new Blob(chunks, { type: chunks[0]?.type || "audio/webm" }));
        };
        recorder.start();
        rec.textContent = t(ctx.lang, "voice.stop");
      } catch {
        showProblems(box, `voice:${step}`, [
          { field: `voice:${step}`, code: "app.no_microphone", message: t(ctx.lang, "voice.no_microphone") },
        ]);
      }
    });
    row.append(rec);
  }
  row.append(filePicker(t(ctx.lang, "voice.attach"), "voice-file", "audio/*", (f) => ctx.addVoiceNote(step, f)));
  box.append(row, problems);
  return box;
}

/** A field with its question (debrief) or label (plain form), help and problems. */
export function renderField(ctx: FieldContext, id: string, asked: boolean): HTMLElement | null {
  const field = fieldOf(ctx.form, id);
  if (!field) return null;
  // Voice notes are offered on every step, not as a question of their own.
  if (field.type === "voice_notes") return null;
  const box = el("div", `field type-${field.type}`);
  box.dataset.field = field.id;
  const label = el("label", "field-label", (asked ? field.prompt : field.label)[ctx.lang]);
  label.htmlFor = domId(ctx, field.id);
  // Whether it is asked and needed follows the answers: see `showFlow`.
  label.append(el("span", "required", ` ${t(ctx.lang, "field.required")}`));
  box.append(label);
  if (field.help) box.append(el("p", "hint", field.help[ctx.lang]));
  let control: HTMLElement;
  if (field.calculate) {
    // Worked out from other answers: shown, never typed.
    control = el("output", "calculated");
    control.id = domId(ctx, field.id);
    control.textContent = calculatedText(field, ctx.report.flow.calculated[field.id], ctx.lang);
    box.append(control);
    showFlow(box, ctx);
    return box;
  }
  switch (field.type) {
    case "text":
      control = textInput(ctx, field, (raw) => raw);
      break;
    case "narrative": {
      const v = current(ctx, field.id);
      control = narrative(ctx, `answer:${field.id}`, domId(ctx, field.id), typeof v === "string" ? v : "", (raw) => raw);
      break;
    }
    case "integer":
    case "decimal": {
      control = el("div", "row");
      control.append(textInput(ctx, field, parseNumber, field.type === "integer" ? "numeric" : "decimal"));
      if (field.unit) control.append(el("span", "unit", field.unit[ctx.lang]));
      break;
    }
    case "choice":
      control = options(ctx, field, false);
      break;
    case "choices":
      control = options(ctx, field, true);
      break;
    case "datetime":
      control = textInput(ctx, field, parseDatetime);
      break;
    case "location":
      control = location(ctx, field);
      break;
    case "people_count":
      control = peopleCount(ctx, field);
      break;
    case "photos":
      control = photos(ctx);
      break;
    case "report_links":
      control = reportLinks(ctx, field);
      break;
    case "repeat":
      control = repeatEntries(ctx, field);
      break;
    default:
      control = el("p", "hint", field.type);
  }
  const problems = el("div", "problems");
  problems.dataset.problemsFor = problemsKey(ctx, field.id);
  box.append(control, problems);
  showFlow(box, ctx);
  if (field.id in ctx.report.pending) {
    // A value typed before and never valid: check it again so its problem
    // shows on return, in the language of the moment.
    ctx.autosave.change(`answer:${field.id}`, ctx.report.pending[field.id]);
    void ctx.autosave.flushKey(`answer:${field.id}`);
  }
  return box;
}

function calculatedText(field: Field, value: unknown, lang: Lang): string {
  if (value === null || value === undefined) return "—";
  const unit = field.unit ? ` ${field.unit[lang]}` : "";
  const option = field.options?.find((o) => o.value === value);
  return option ? option.label[lang] : `${String(value)}${unit}`;
}

/**
 * Shows what the form asks now under `root` (a step, the plain form, or one
 * field): questions and steps not asked are hidden, "needed" marks follow
 * the answers, calculated answers show their value. Hidden, not removed: a
 * question that comes back keeps its place and what was typed in it.
 */
export function showFlow(root: HTMLElement, ctx: FieldContext): void {
  const { flow } = ctx.report;
  const hidden = new Set(flow.hidden_fields);
  const required = new Set(flow.required);
  // The questions at this level: those of an entry follow the entry's flow.
  const level = root.closest(".entry");
  const boxes = (root.matches(".field[data-field]") ? [root] : [...root.querySelectorAll<HTMLElement>(".field[data-field]")]).filter(
    (b) => b === root || b.parentElement?.closest(".entry") === level,
  );
  for (const entry of root.querySelectorAll<HTMLElement>(".entry[data-repeat]")) {
    if (entry.parentElement?.closest(".entry") !== level) continue;
    const repeat = fieldOf(ctx.form, entry.dataset.repeat ?? "");
    const position = Number(entry.dataset.position);
    if (repeat) showFlow(entry, entryContext(ctx, repeat, position, entriesOf(ctx, repeat.id)));
  }
  for (const box of boxes) {
    const id = box.dataset.field ?? "";
    const wasShown = !box.hidden;
    box.hidden = hidden.has(id);
    // A question no longer asked has lost its answer: its box is emptied, so
    // that if it is asked again it starts blank, as the report now is.
    if (box.hidden && wasShown) {
      for (const input of box.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input.answer, textarea.answer")) {
        input.value = "";
      }
    }
    // Choices follow the report: only the options offered are shown, and
    // pressed is what the report holds (an answer a cascade dropped is not).
    const offered = flow.options[id];
    const answer = ctx.report.answers[id];
    const held = new Set<string>(Array.isArray(answer) ? answer.map(String) : typeof answer === "string" ? [answer] : []);
    for (const option of box.querySelectorAll<HTMLButtonElement>(":scope > .options > .option")) {
      const value = option.dataset.value ?? "";
      option.hidden = offered !== undefined && !offered.includes(value);
      if (!(id in ctx.report.pending)) option.setAttribute("aria-pressed", String(held.has(value)));
    }
    const mark = box.querySelector<HTMLElement>(":scope > .field-label > .required");
    if (mark) mark.hidden = !required.has(id);
    const output = box.querySelector<HTMLOutputElement>(":scope > output.calculated");
    const field = fieldOf(ctx.form, id);
    if (output && field) output.textContent = calculatedText(field, flow.calculated[id], ctx.lang);
  }
  const steps = new Set(flow.hidden_steps);
  for (const group of root.querySelectorAll<HTMLElement>("fieldset.form-step[data-step]")) {
    group.hidden = steps.has(group.dataset.step ?? "");
  }
}

/** The entries of a repeat as shown: what was typed and not yet valid, else the answer. */
function entriesOf(ctx: FieldContext, id: string): Record<string, unknown>[] {
  const value = current(ctx, id);
  return Array.isArray(value) ? value.filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null) : [];
}

/**
 * The context of one entry's questions: they read and write the entry's
 * answers, and every change saves the repeat's whole list of entries (each
 * with its key, so only what changed is written to the report).
 */
function entryContext(ctx: FieldContext, repeat: Field, position: number, entries: Record<string, unknown>[]): FieldContext {
  const index = position - 1;
  const flow = ctx.report.flow.entries?.[repeat.id]?.[index];
  const key = `answer:${repeat.id}`;
  const autosave = {
    change(k: string, value: unknown) {
      const id = k.slice(k.indexOf(":") + 1);
      const entry = entries[index] ?? {};
      if (value === null || value === undefined) delete entry[id];
      else entry[id] = value;
      entries[index] = entry;
      ctx.autosave.change(key, entries);
    },
    flushKey: () => ctx.autosave.flushKey(key),
    flush: () => ctx.autosave.flush(),
  } as unknown as Autosave;
  return {
    ...ctx,
    autosave,
    entry: { repeat: repeat.id, position },
    report: {
      ...ctx.report,
      answers: entries[index] ?? {},
      pending: {},
      flow: {
        hidden_steps: [],
        hidden_fields: flow?.hidden_fields ?? [],
        required: flow?.required ?? [],
        calculated: flow?.calculated ?? {},
        options: flow?.options ?? {},
        entries: {},
        counts: {},
      },
    },
  };
}

/**
 * A repeat: each entry as a card of its questions, with a way to remove
 * it (asked twice: a slip must not throw away what a person said), then
 * "Another person met?" to add one. Adding and removing save at once and
 * draw the step again, so every entry on screen has its key.
 */
function repeatEntries(ctx: FieldContext, field: Field): HTMLElement {
  const box = el("div", "entries");
  const entries = entriesOf(ctx, field.id).map((e) => ({ ...e }));
  const members = (field.fields ?? []).map((id) => fieldOf(ctx.form, id)).filter((f): f is Field => !!f);
  const save = async (next: Record<string, unknown>[]) => {
    ctx.autosave.change(`answer:${field.id}`, next.length ? next : null);
    await ctx.autosave.flushKey(`answer:${field.id}`);
    ctx.redraw();
  };
  entries.forEach((_, index) => {
    const position = index + 1;
    const card = el("fieldset", "entry");
    card.dataset.repeat = field.id;
    card.dataset.position = String(position);
    card.append(el("legend", "entry-title", t(ctx.lang, "repeat.entry", { label: field.label[ctx.lang], n: position })));
    const sub = entryContext(ctx, field, position, entries);
    for (const m of members) {
      const child = renderField(sub, m.id, false);
      if (child) card.append(child);
    }
    const remove = button(t(ctx.lang, "repeat.remove"), "secondary remove-entry", () => {
      if (remove.dataset.confirm !== "yes") {
        remove.dataset.confirm = "yes";
        remove.textContent = t(ctx.lang, "repeat.remove_confirm", { n: position });
        return;
      }
      void save(entries.filter((__, i) => i !== index));
    });
    card.append(remove);
    box.append(card);
  });
  const count = ctx.report.flow.counts?.[field.id];
  const full = (field.max_items !== undefined && entries.length >= field.max_items) || (count !== undefined && entries.length >= count);
  if (!full) {
    const another = entries.length === 0 ? t(ctx.lang, "repeat.add_first") : (field.another?.[ctx.lang] ?? t(ctx.lang, "repeat.add_another"));
    box.append(
      // A new entry's defaults are filled in by the report's library.
      button(another, "add-entry", () => void save([...entries, {}])),
    );
  }
  return box;
}

/** The free narrative of a step: "in your own words", on every step. */
export function stepNarrative(ctx: FieldContext, step: string): HTMLElement {
  const box = el("div", "field step-note");
  const label = el("label", "field-label", t(ctx.lang, "debrief.own_words"));
  label.htmlFor = `note-${step}`;
  box.append(
    label,
    narrative(ctx, `note:${step}`, `note-${step}`, ctx.report.notes[step] ?? "", (raw) => raw),
  );
  return box;
}
