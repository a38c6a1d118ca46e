// Forms as the Rust side sends them (forms/*.json): the debrief's questions,
// prompts and order all come from here, never from interface code. The
// functions turn what a person typed into the answer the form expects, and
// back; checking it is the Rust side's job.
import type { Lang } from "./i18n";

export type LocalText = Record<Lang, string>;

export interface Choice {
  value: string;
  label: LocalText;
  /** Columns a choice_filter reads (worked out on the Rust side). */
  filter?: Record<string, string>;
}

export interface Field {
  id: string;
  type:
    | "text"
    | "narrative"
    | "integer"
    | "decimal"
    | "choice"
    | "choices"
    | "datetime"
    | "location"
    | "people_count"
    | "photos"
    | "voice_notes"
    | "report_links"
    | "repeat";
  /** Always (true), or an expression saying when; `Flow.required` says whether now. */
  required?: boolean | string;
  label: LocalText;
  prompt: LocalText;
  help?: LocalText;
  example: unknown;
  max_length?: number;
  min?: number;
  max?: number;
  unit?: LocalText;
  options?: Choice[];
  not_in_future?: boolean;
  sexes?: Choice[];
  age_bands?: Choice[];
  max_items?: number;
  /** A repeat's questions, asked once per entry. */
  fields?: string[];
  /** How the debrief asks for one more entry of a repeat. */
  another?: LocalText;
  // Form logic, worked out on the Rust side: the interface reads `Flow`.
  relevant?: string;
  constraint?: string;
  constraint_message?: LocalText;
  /** Worked out from other answers: shown, never typed. */
  calculate?: string;
  choice_filter?: string;
}

export interface Step {
  id: string;
  question: LocalText;
  help?: LocalText;
  fields: string[];
  relevant?: string;
}

export interface Form {
  id: string;
  version: number;
  title: LocalText;
  description: LocalText;
  summary_fields: string[];
  fields: Field[];
  steps: Step[];
  /** Filed by headquarters only (a standing question), never started in the field. */
  headquarters_only?: boolean;
}

export function fieldOf(form: Form, id: string): Field | undefined {
  return form.fields.find((f) => f.id === id);
}

/**
 * A typed number: a number when it reads as one ("28", "-3", "12,5"), else
 * the text as typed so the Rust side can say what is wrong with it.
 */
export function parseNumber(raw: string): number | string | null {
  const text = raw.trim();
  if (text === "") return null;
  const normalised = text.replace(/\s/g, "").replace(",", ".");
  if (/^[-+]?\d+(\.\d+)?$/.test(normalised)) return Number(normalised);
  return text;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A typed local date and time ("2026-11-22 14:30", "22/11/2026 14:30", or a
 * date alone) as an RFC 3339 instant; the text as typed if it is not one.
 */
export function parseDatetime(raw: string): string | null {
  const text = raw.trim();
  if (text === "") return null;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(text);
  let parts: number[] | null = null;
  if (m) parts = [+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0)];
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2})[:h](\d{2}))?$/.exec(text);
  if (m) parts = [+m[3], +m[2], +m[1], +(m[4] ?? 0), +(m[5] ?? 0)];
  if (!parts) return text;
  const [y, mo, d, h, mi] = parts;
  const date = new Date(y, mo - 1, d, h, mi);
  // Reject 2026-02-31 and 25:00 instead of letting Date roll them over.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || date.getHours() !== h) {
    return text;
  }
  return date.toISOString().replace(".000Z", "Z");
}

/** An RFC 3339 instant as the person types it: local "YYYY-MM-DD HH:MM". */
export function formatDatetime(value: unknown): string {
  if (typeof value !== "string") return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export interface LocationInput {
  place: string;
  lat: string;
  lon: string;
}

/** A place name and/or coordinates, as the form's location answer. */
export function parseLocation(input: LocationInput): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  if (input.place.trim()) out.place = input.place.trim();
  const lat = parseNumber(input.lat);
  const lon = parseNumber(input.lon);
  if (lat !== null) out.lat = lat;
  if (lon !== null) out.lon = lon;
  return Object.keys(out).length ? out : null;
}

/** Counts by sex and age band; empty boxes are left out, not sent as zero. */
export function parsePeopleCount(cells: Record<string, Record<string, string>>): Record<string, unknown> | null {
  const out: Record<string, Record<string, number | string>> = {};
  for (const [sex, bands] of Object.entries(cells)) {
    for (const [band, raw] of Object.entries(bands)) {
      const n = parseNumber(raw);
      if (n === null) continue;
      out[sex] ??= {};
      out[sex][band] = n;
    }
  }
  return Object.keys(out).length ? out : null;
}

/** The value a text box shows for a stored (or pending) answer. */
export function inputText(field: Field, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (field.type === "datetime") return formatDatetime(value);
  return String(value);
}

/** The steps the form asks given `flow`, by index in `form.steps`. */
export function askedSteps(form: Form, hiddenSteps: string[]): number[] {
  const hidden = new Set(hiddenSteps);
  return form.steps.flatMap((s, i) => (hidden.has(s.id) ? [] : [i]));
}

/** The newest version of each form: what a new report starts from. */
export function newestForms(forms: Form[]): Form[] {
  const newest = new Map<string, Form>();
  for (const f of forms) {
    const held = newest.get(f.id);
    if (!held || f.version > held.version) newest.set(f.id, f);
  }
  return [...newest.values()];
}
