// The Rust side's commands, typed. Every failure arrives as {code, message},
// the message already in the language the interface asked for.
import { invoke } from "@tauri-apps/api/core";
import type { Lang } from "./i18n";

export type Delivery = "local" | "at_hub" | "photos_waiting";

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
}

export interface AppState {
  device_id: string;
  author: string;
  unit: string;
  hub: { url: string; last_sync_at: number | null } | null;
  reports_waiting: number;
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

export const api = {
  appState: (lang: Lang) => invoke<AppState>("app_state", { lang }),
  listReports: (lang: Lang) => invoke<ReportLine[]>("list_reports", { lang }),
};
