// The Rust side's commands, typed. Every failure arrives as {code, message},
// the message already in the language the interface asked for.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { Form } from "./forms";
import type { Lang } from "./i18n";

export type Delivery = "local" | "at_hub" | "changes_waiting" | "photos_waiting";

export interface ReportLine {
  id: string;
  kind: string;
  title: string;
  status: string;
  classification: string;
  language: string;
  updated_at: number;
  photos: number;
  comments: number;
  conflicts: number;
  delivery: Delivery;
  photo_files_waiting: number;
  news: boolean;
}

export interface AppState {
  device_id: string;
  author: string;
  unit: string;
  hub: HubInfo | null;
  reports_waiting: number;
  reports_total: number;
  news: number;
  resume: { report_id: string; step: number } | null;
}

export interface Problem {
  field: string;
  /** For a question of a repeat: which entry (from 1). */
  entry?: { repeat: string; position: number };
  code: string;
  message: string;
}

export interface FileRef {
  sha256: string;
  width: number;
  height: number;
  bytes: number;
  media_type: string;
}

export interface PhotoRef {
  id: string;
  field: string | null;
  added_at: number;
  original: FileRef;
  preview: FileRef;
  thumbnail: FileRef;
}

export interface VoiceNoteRef {
  id: string;
  step: string | null;
  field: string | null;
  added_at: number;
  file: FileRef;
}

export interface Comment {
  id: string;
  author: string;
  device: string;
  at: number;
  lang: Lang;
  text: string;
  question: boolean;
}

export interface ReadbackSection {
  step: string;
  question: string;
  lines: { field: string; label: string; value: string | null; required: boolean }[];
  note: string | null;
}

export interface ReportView {
  id: string;
  form: string;
  /** The version of the form the report was started with. */
  form_version: number;
  meta: {
    author: string;
    author_unit: string;
    sector: string;
    device: string;
    created_at: number;
    updated_at: number;
    language: Lang;
    classification: string;
    status: string;
  };
  title: string;
  answers: Record<string, unknown>;
  pending: Record<string, unknown>;
  step: number | null;
  notes: Record<string, string>;
  photos: PhotoRef[];
  voice_notes: VoiceNoteRef[];
  comments: Comment[];
  conflicts: { path: string; values: unknown[] }[];
  readback: ReadbackSection[];
  confirmed: { by: string; at: number; lang: Lang; text: string } | null;
  problems: Problem[];
  flow: Flow;
  delivery: Delivery;
  photo_files_waiting: number;
}

/** What the form asks given the answers, as the Rust side works it out. */
export interface Flow {
  hidden_steps: string[];
  hidden_fields: string[];
  /** Questions asked whose answer is needed now. */
  required: string[];
  /** Calculated answers (null: nothing to show). */
  calculated: Record<string, unknown>;
  /** The options offered, for choices whose list depends on other answers. */
  options: Record<string, string[]>;
  /** For each repeat asked, what each of its entries asks, in order. */
  entries: Record<string, EntryFlow[]>;
  /** For each repeat with a count, how many entries it is to have. */
  counts: Record<string, number>;
}

/** What one entry of a repeat asks: as `Flow`, for the repeat's questions. */
export interface EntryFlow {
  entry: string;
  hidden_fields: string[];
  required: string[];
  calculated: Record<string, unknown>;
  options: Record<string, string[]>;
}

export interface Saved {
  saved: boolean;
  problems: Problem[];
  /** The answers after this one: others may have been cleared or recalculated. */
  answers: Record<string, unknown>;
  flow: Flow;
}

export interface Pending {
  documents: number;
  thumbnails_up: number;
  previews_up: number;
  originals_up: number;
  files_down: number;
  bytes_up: number;
}

export interface HubInfo {
  url: string;
  unit: string;
  sector: string;
  role: string;
  /** Headquarters' actions (the review workspace) are offered, as the policy says. */
  offers_review: boolean;
  clearance: string;
  last_sync_at: number | null;
}

export interface SyncStatus {
  author: string;
  hub: HubInfo | null;
  pending: Pending;
}

export type Stage = "documents" | "thumbnails" | "previews" | "originals";

export interface SyncProgress {
  stage: Stage;
  stage_done: boolean;
  docs_up: number;
  docs_down: number;
  files_up: number;
  files_down: number;
  bytes_up: number;
  bytes_down: number;
}

export interface SyncReport {
  hub: string;
  docs_up: number;
  docs_down: number;
  round_trips: number;
  blobs_up: number;
  blobs_down: number;
  bytes_up: number;
  bytes_down: number;
  requests: number;
  waiting: {
    documents: number;
    thumbnails_up: number;
    previews_up: number;
    originals_up: number;
    blobs_down: number;
    reasons: string[];
  };
}

/** The filters a reviewer sets; empty means any. */
export interface ReviewQuery {
  kind?: string;
  status?: string;
  sector?: string;
  unit?: string;
  author?: string;
  classification?: string;
  language?: string;
  from?: number;
  until?: number;
  text?: string;
  order?: string;
  page?: number;
}

export interface ReviewLine {
  id: string;
  kind: string;
  title: string;
  author: string;
  unit: string;
  sector: string;
  status: string;
  classification: string;
  language: string;
  happened_at: number;
  updated_at: number;
  place: string | null;
  photos: number;
  comments: number;
  conflicts: number;
  pipeline_stage: string | null;
  days_in_stage: number | null;
  overdue: boolean;
}

export type FacetName = "kind" | "status" | "classification" | "language" | "sector" | "unit";

export type Facets = { total: number } & Record<FacetName, [string, number][]>;

export interface ReviewPage {
  reports: ReviewLine[];
  total: number;
  facets: Facets;
  page: number;
  page_size: number;
  clearance: string;
}

export interface MapPoint {
  id: string;
  kind: string;
  title: string;
  status: string;
  classification: string;
  lat: number;
  lon: number;
}

export interface Change {
  at: number;
  device: string;
  who: string | null;
  what: string;
  /** The change carries its device's signature, verified on this device. */
  verified: boolean;
}

export interface Suggestion {
  report: string;
  title: string;
  distance_km: number | null;
  hours_apart: number;
  reasons: string[];
}

export interface PipelineStatus {
  stage: string;
  since: number;
  days_in_stage: number;
  days_per_stage: [string, number][];
  overdue: boolean;
}

export interface ReviewReport {
  report: ReportView;
  history: Change[];
  links: { id: string; relation: string; title: string | null }[];
  suggestions: Suggestion[];
  pipeline: PipelineStatus | null;
  originals_here: string[];
}

export interface StandingQuestion {
  question: string;
  unit?: string;
  sector?: string;
  area?: string;
  until?: number;
  classification: string;
}

export interface AppError {
  code: string;
  message: string;
}

export function asAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    return { code: String((e as AppError).code), message: String((e as AppError).message) };
  }
  return { code: "app.unknown", message: String(e) };
}

/** Sends a file as the raw body of the call (no base64 for a 10 MB photo). */
function upload<T>(cmd: string, bytes: Uint8Array, headers: Record<string, string>): Promise<T> {
  return invoke<T>(cmd, bytes, { headers });
}

export interface LockState {
  set_up: boolean;
  unlocked: boolean;
  min_length: number;
  lock_after_seconds: number;
}

export const api = {
  lockState: () => invoke<LockState>("lock_state"),
  unlock: (pin: string, lang: Lang) => invoke<LockState>("unlock", { pin, lang }),
  lockNow: () => invoke<LockState>("lock_now"),
  wipeDevice: (lang: Lang) => invoke<LockState>("wipe_device", { lang }),
  appState: (lang: Lang) => invoke<AppState>("app_state", { lang }),
  listReports: (lang: Lang) => invoke<ReportLine[]>("list_reports", { lang }),
  forms: () => invoke<Form[]>("forms"),
  startReport: (kind: string, classification: string, lang: Lang) =>
    invoke<ReportView>("start_report", { kind, classification, lang }),
  openReport: (id: string, lang: Lang) => invoke<ReportView>("open_report", { id, lang }),
  saveAnswer: (id: string, field: string, value: unknown, lang: Lang) =>
    invoke<Saved>("save_answer", { id, field, value, lang }),
  saveNote: (id: string, step: string, text: string, lang: Lang) => invoke<void>("save_note", { id, step, text, lang }),
  setStep: (id: string, step: number, lang: Lang) => invoke<void>("set_step", { id, step, lang }),
  submit: (id: string, lang: Lang) => invoke<ReportView>("submit_report", { id, lang }),
  addComment: (id: string, text: string, lang: Lang) => invoke<ReportView>("add_comment", { id, text, lang }),
  addPhoto: (id: string, bytes: Uint8Array, lang: Lang) => upload<ReportView>("add_photo", bytes, { report: id, lang }),
  addVoiceNote: (id: string, step: string, bytes: Uint8Array, lang: Lang) =>
    upload<ReportView>("add_voice_note", bytes, { report: id, step, lang }),
  file: (sha256: string, lang: Lang) => invoke<ArrayBuffer | number[]>("file", { sha256, lang }),
  syncStatus: (lang: Lang) => invoke<SyncStatus>("sync_status", { lang }),
  setAuthor: (author: string, lang: Lang) => invoke<void>("set_author", { author, lang }),
  /** `authority`: the mission certificate (PEM) or its SHA-256 fingerprint. */
  enrol: (url: string, code: string, authority: string | null, lang: Lang) =>
    invoke<SyncStatus>("enrol", { url, code, authority, lang }),
  syncNow: (budget: string, lang: Lang, onProgress: (p: SyncProgress) => void) => {
    const channel = new Channel<SyncProgress>();
    channel.onmessage = onProgress;
    return invoke<SyncReport>("sync_now", { budget, lang, onProgress: channel });
  },
  standingQuestions: (lang: Lang) => invoke<ReportLine[]>("standing_questions", { lang }),
  reviewList: (query: ReviewQuery, lang: Lang) => invoke<ReviewPage>("review_list", { query, lang }),
  reviewPoints: (query: ReviewQuery, lang: Lang) => invoke<MapPoint[]>("review_points", { query, lang }),
  reviewPipeline: (lang: Lang) => invoke<ReviewLine[]>("review_pipeline", { lang }),
  reviewReport: (id: string, lang: Lang) => invoke<ReviewReport>("review_report", { id, lang }),
  reviewStatus: (id: string, status: string, lang: Lang) => invoke<ReviewReport>("review_status", { id, status, lang }),
  reviewComment: (id: string, text: string, question: boolean, lang: Lang) =>
    invoke<ReviewReport>("review_comment", { id, text, question, lang }),
  resolveConflict: (id: string, path: string, value: unknown, lang: Lang) =>
    invoke<ReviewReport>("resolve_conflict", { id, path, value, lang }),
  reviewStage: (id: string, stage: string, lang: Lang) => invoke<ReviewReport>("review_stage", { id, stage, lang }),
  reviewDeclassify: (id: string, level: string, lang: Lang) =>
    invoke<ReviewReport>("review_declassify", { id, level, lang }),
  reviewLink: (id: string, to: string, relation: string, lang: Lang) =>
    invoke<ReviewReport>("review_link", { id, to, relation, lang }),
  askUnit: (ask: StandingQuestion, lang: Lang) => invoke<ReviewReport>("ask_unit", { ask, lang }),
  reviewExport: (query: ReviewQuery, format: string, lang: Lang) =>
    invoke<{ path: string; rows: number; without_place: number }>("review_export", { query, format, lang }),
  printReport: (id: string, lang: Lang) => invoke<string>("print_report", { id, lang }),
  weeklySummary: (from: number, lang: Lang) => invoke<string>("weekly_summary", { from, lang }),
};
