// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { ReviewLine, ReviewPage, ReviewQuery } from "../src/api";
import type { Form } from "../src/forms";
import { dayStart, describeChange, filterBar, renderPipeline, renderPrint, renderReviewList } from "../src/review";

const form = {
  id: "incident",
  fields: [{ id: "un_wounded", label: { en: "UN wounded", fr: "Blessés ONU" } }],
  steps: [{ id: "what", question: { en: "What happened?", fr: "Que s'est-il passé ?" }, fields: [] }],
} as unknown as Form;

function line(id: string, patch: Partial<ReviewLine> = {}): ReviewLine {
  return {
    id, kind: "incident", title: `Report ${id}`, author: "Lt. A", unit: "BATGAO-1", sector: "East", status: "submitted",
    classification: "UNCLASSIFIED", language: "fr", happened_at: 0, updated_at: 0, place: "Gao", photos: 0, comments: 0,
    conflicts: 0, pipeline_stage: null, days_in_stage: null, overdue: false, ...patch,
  };
}

const facets = {
  total: 120,
  kind: [["incident", 100], ["qip", 20]],
  status: [["submitted", 120]],
  classification: [["UNCLASSIFIED", 90], ["CONFIDENTIAL", 30]],
  language: [["fr", 70], ["en", 50]],
  sector: [["East", 80], ["North", 40]],
  unit: [["BATGAO-1", 80], ["BATKDL-2", 40]],
} as ReviewPage["facets"];

describe("the review list", () => {
  it("says what each recorded change did, in the reader's language", () => {
    expect(describeChange("fr", "answer un_wounded", form)).toBe("Réponse à « Blessés ONU »");
    expect(describeChange("en", "status verified", form)).toBe("Status set to Verified");
    expect(describeChange("fr", "stage funded", form)).toBe("Passé à « Financé »");
    expect(describeChange("en", "note what", form)).toBe("Own words at step “What happened?”");
    expect(describeChange("en", "resolve answers.un_wounded", form)).toBe("Conflict resolved: UN wounded");
    expect(describeChange("fr", "resolve meta.classification", form)).toBe("Conflit résolu : Classification");
    expect(describeChange("en", "something new", form)).toBe("something new");
  });

  it("reads a typed day as midnight UTC and refuses anything else", () => {
    expect(dayStart("2026-11-02")).toBe(Date.UTC(2026, 10, 2));
    expect(dayStart("02/11/2026")).toBeUndefined();
    expect(dayStart("")).toBeUndefined();
  });

  it("offers each filter value with its count and sends the choice back from the first page", () => {
    const seen: ReviewQuery[] = [];
    const bar = filterBar("fr", { page: 3, kind: "qip" }, facets, (q) => seen.push(q));
    const sector = bar.querySelector("#filter-sector") as HTMLSelectElement;
    expect([...sector.options].map((o) => o.textContent)).toEqual(["Tous", "East (80)", "North (40)"]);
    const kind = bar.querySelector("#filter-kind") as HTMLSelectElement;
    expect(kind.value).toBe("qip");
    expect(kind.selectedOptions[0].textContent).toBe("Évaluation PIR (20)");
    sector.value = "North";
    sector.dispatchEvent(new Event("change"));
    expect(seen.at(-1)).toEqual({ page: 0, kind: "qip", sector: "North" });
  });

  it("shows the total at the clearance and pages through it", () => {
    const root = document.createElement("div");
    const asked: ReviewQuery[] = [];
    const page: ReviewPage = { reports: [line("a"), line("b")], total: 120, facets, page: 0, page_size: 50, clearance: "CONFIDENTIAL" };
    renderReviewList(root, "en", page, {}, { open() {}, query: (q) => asked.push(q), exportAs() {} });
    expect(root.querySelector("#review-total")?.textContent).toBe("120 report(s) match, up to Confidential");
    expect(root.querySelectorAll(".review-list li").length).toBe(2);
    expect(root.textContent).toContain("Page 1 of 3");
    expect((root.querySelector("#page-prev") as HTMLButtonElement).disabled).toBe(true);
    (root.querySelector("#page-next") as HTMLButtonElement).click();
    expect(asked).toEqual([{ page: 1 }]);
  });

  it("puts each QIP in its stage's column, overdue ones flagged, and moves it to the next stage", () => {
    const root = document.createElement("div");
    const moves: [string, string][] = [];
    renderPipeline(
      root,
      "en",
      [line("q1", { kind: "qip", pipeline_stage: "funded", days_in_stage: 120, overdue: true }), line("q2", { kind: "qip", pipeline_stage: null })],
      () => {},
      (id, stage) => moves.push([id, stage]),
    );
    expect(root.querySelector('[data-stage="funded"] .qip-card.overdue')?.getAttribute("data-id")).toBe("q1");
    expect(root.querySelector('[data-stage="assessed"] .qip-card')?.getAttribute("data-id")).toBe("q2");
    (root.querySelector('[data-stage="funded"] .move') as HTMLButtonElement).click();
    expect(moves).toEqual([["q1", "delivered"]]);
  });
});

describe("print preview", () => {
  it("shows the page in a sandbox where nothing it holds can run", () => {
    const root = document.createElement("div");
    renderPrint(root, "en", "<p>Pont</p><script>parent.stolen = 1</script>", () => {});
    const frame = root.querySelector("iframe.print-frame") as HTMLIFrameElement;
    const allowed = (frame.getAttribute("sandbox") ?? "missing").split(/\s+/);
    expect(frame.hasAttribute("sandbox")).toBe(true);
    expect(allowed).not.toContain("allow-scripts");
    expect(allowed).not.toContain("allow-top-navigation");
    expect(allowed).not.toContain("allow-popups");
    expect(frame.srcdoc).toContain("<p>Pont</p>");
  });
});
