// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";

// Files come from the Rust side; here no file is ever fetched.
vi.mock("../src/debrief", () => ({ fileUrl: () => new Promise(() => {}) }));

import type { ReportView, ReviewReport } from "../src/api";
import type { Form } from "../src/forms";
import { type ReviewReportActions, renderReviewReport } from "../src/reviewreport";

const form = {
  id: "incident",
  fields: [{ id: "un_wounded", label: { en: "UN wounded", fr: "Blessés ONU" } }],
  steps: [],
} as unknown as Form;

function found(patch: Partial<ReportView> = {}): ReviewReport {
  const report = {
    id: "r1", form: "incident", title: "IED — Anefis",
    meta: { author: "Lt. Traoré", author_unit: "BATGAO-1", sector: "East", device: "d1", created_at: 0, updated_at: 0, language: "fr", classification: "CONFIDENTIAL", status: "submitted" },
    answers: {}, pending: {}, step: null, notes: {}, photos: [], voice_notes: [], comments: [], conflicts: [], readback: [], confirmed: null, problems: [], delivery: "at_hub", photo_files_waiting: 0,
    ...patch,
  } as ReportView;
  return {
    report,
    history: [
      { at: 1_700_000_000, device: "d1aaaaaa-0000", who: "Lt. Traoré", what: "create", verified: true },
      { at: 1_700_000_100, device: "d2bbbbbb-0000", who: null, what: "answer un_wounded", verified: false },
    ],
    links: [], suggestions: [], pipeline: null, originals_here: [],
  };
}

function actions(calls: unknown[][]): ReviewReportActions {
  const record = (name: string) => async (...args: unknown[]) => void calls.push([name, ...args]);
  return {
    back: () => calls.push(["back"]), open: (id) => calls.push(["open", id]), print: () => calls.push(["print"]),
    setStatus: record("status"), comment: record("comment"), resolve: record("resolve"), link: record("link"), stage: record("stage"),
    declassify: record("declassify"),
  };
}

describe("a report under review", () => {
  it("offers only lower levels to release at, and says the copy goes without the history", () => {
    const root = document.createElement("div");
    const calls: unknown[][] = [];
    renderReviewReport(root, "en", found(), form, actions(calls));
    const offered = [...root.querySelectorAll(".declassify-box button")].map((b) => b.id);
    expect(offered).toEqual(["declassify-UNCLASSIFIED"]);
    expect(root.querySelector(".declassify-box .hint")?.textContent).toMatch(/none of its earlier versions/);
    (root.querySelector("#declassify-UNCLASSIFIED") as HTMLButtonElement).click();
    expect(calls).toEqual([["declassify", "UNCLASSIFIED"]]);
    renderReviewReport(root, "fr", found({ meta: { ...found().report.meta, classification: "UNCLASSIFIED" } }), form, actions(calls));
    expect(root.querySelector(".declassify-box")).toBeNull();
  });

  it("shows a conflict's values side by side and keeps the one chosen", () => {
    const root = document.createElement("div");
    const calls: unknown[][] = [];
    renderReviewReport(root, "fr", found({ conflicts: [{ path: "answers.un_wounded", values: [2, 3] }] }), form, actions(calls));
    const conflict = root.querySelector('.conflict[data-path="answers.un_wounded"]') as HTMLElement;
    expect(conflict.querySelector("h3")?.textContent).toBe("Blessés ONU");
    expect([...conflict.querySelectorAll(".conflict-value")].map((v) => v.textContent)).toEqual(["2", "3"]);
    (conflict.querySelector("#keep-1") as HTMLButtonElement).click();
    expect(calls).toEqual([["resolve", "answers.un_wounded", 3]]);
  });

  it("asks the author or comments, and sets the status in one tap", () => {
    const root = document.createElement("div");
    const calls: unknown[][] = [];
    renderReviewReport(root, "en", found(), form, actions(calls));
    (root.querySelector("#review-comment") as HTMLTextAreaElement).value = "How many vehicles?";
    (root.querySelector("#send-question") as HTMLButtonElement).click();
    // Until the question is stored, a second tap does nothing.
    expect((root.querySelector("#status-verified") as HTMLButtonElement).disabled).toBe(true);
    (root.querySelector("#send-question") as HTMLButtonElement).click();
    expect(calls).toEqual([["comment", "How many vehicles?", true]]);
    renderReviewReport(root, "en", found(), form, actions(calls));
    (root.querySelector("#status-verified") as HTMLButtonElement).click();
    expect(calls).toEqual([["comment", "How many vehicles?", true], ["status", "verified"]]);
  });

  it("lists who changed what, newest first, with the device when the person is unknown, and whether its signature verified", () => {
    const root = document.createElement("div");
    renderReviewReport(root, "en", found(), form, actions([]));
    const rows = [...root.querySelectorAll(".history-table tr")].map((tr) => [...tr.children].slice(1).map((td) => td.textContent));
    expect(rows).toEqual([
      ["— · device d2bbbbbb", "Answered “UN wounded”", "not verified"],
      ["Lt. Traoré · device d1aaaaaa", "Report created", "✓ signed by that device"],
    ]);
    const fr = document.createElement("div");
    renderReviewReport(fr, "fr", found(), form, actions([]));
    expect([...fr.querySelectorAll(".history-verified, .history-unverified")].map((td) => td.textContent)).toEqual(["non vérifié", "✓ signé par cet appareil"]);
  });
});
