import { describe, expect, it } from "vitest";
import type { AppState, ReportLine } from "../src/api";
import { deliveryText, renderHome, syncLine } from "../src/home";
import { ago, catalogues, t } from "../src/i18n";

const line = (over: Partial<ReportLine>): ReportLine => ({
  id: "r1",
  kind: "patrol",
  title: "BATGAO-1 — Gao – Ansongo",
  status: "submitted",
  classification: "CONFIDENTIAL",
  language: "fr",
  updated_at: 0,
  photos: 2,
  comments: 0,
  conflicts: 0,
  delivery: "local",
  photo_files_waiting: 0,
  news: false,
  ...over,
});

const state: AppState = {
  device_id: "d",
  author: "a",
  unit: "u",
  hub: { url: "http://hub", unit: "u", sector: "East", role: "field", offers_review: false, clearance: "CONFIDENTIAL", last_sync_at: 0 },
  reports_waiting: 1,
  reports_total: 1,
  news: 0,
  resume: null,
};

describe("strings", () => {
  it("has every English key in French, and nothing more", () => {
    expect(Object.keys(catalogues.fr).sort()).toEqual(Object.keys(catalogues.en).sort());
    for (const [k, v] of Object.entries(catalogues.fr)) expect(v.trim(), k).not.toBe("");
  });
  it("fills arguments and says times in each language", () => {
    expect(t("fr", "sync.waiting", { n: 3 })).toBe("3 rapport(s) pas encore au hub");
    expect(ago("en", 0, 12 * 60_000)).toBe("12 min ago");
    expect(ago("fr", 0, 3 * 86_400_000)).toBe("il y a 3 jour(s)");
  });
});

describe("home", () => {
  it("says where each report stands with the hub", () => {
    expect(deliveryText("en", line({ delivery: "photos_waiting", photo_files_waiting: 4 }))).toBe("At hub · 4 photo file(s) waiting");
    expect(deliveryText("fr", line({ delivery: "local" }))).toBe("Seulement sur cet appareil");
  });
  it("shows the last sync and what waits, or that there is no hub", () => {
    expect(syncLine("en", state, 5 * 60_000)).toBe("Last sync 5 min ago · 1 report(s) not yet at the hub");
    expect(syncLine("fr", { ...state, hub: null }, 0)).toBe("Aucun hub enrôlé");
  });
  it("lists reports with kind, status and classification in the chosen language", () => {
    const root = document.createElement("div");
    renderHome(root, "fr", state, [line({}), line({ id: "r2", kind: "qip", status: "needs_information", conflicts: 1 })], 0);
    const items = root.querySelectorAll("li.report");
    expect(items.length).toBe(2);
    expect(root.querySelector("h1")?.textContent).toBe("Mes rapports");
    expect(items[0].querySelector(".kind")?.textContent).toBe("Patrouille");
    expect(items[0].querySelector(".classification")?.textContent).toBe("Confidentiel");
    expect(items[1].querySelector(".status")?.textContent).toBe("Informations demandées");
    expect(items[1].querySelector(".conflicts")?.textContent).toBe("1 conflit(s) à résoudre");
  });
  it("shows an unknown kind by its code rather than a blank", () => {
    const root = document.createElement("div");
    renderHome(root, "en", state, [line({ kind: "convoy" })], 0);
    expect(root.querySelector(".kind")?.textContent).toBe("convoy");
  });
});
