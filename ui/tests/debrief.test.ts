import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ReportView } from "../src/api";
import { type Navigator, renderPlainForm, renderReadback, renderStep, Session } from "../src/debrief";
import type { Form } from "../src/forms";

const form = JSON.parse(readFileSync(resolve(__dirname, "../../forms/patrol.json"), "utf8")) as Form;

function view(over: Partial<ReportView> = {}): ReportView {
  return {
    id: "r1",
    form: "patrol",
    form_version: 2,
    meta: {
      author: "Capt. A. Diallo",
      author_unit: "BATGAO-1",
      sector: "East",
      device: "d",
      created_at: 0,
      updated_at: 0,
      language: "fr",
      classification: "UNCLASSIFIED",
      status: "draft",
    },
    title: "Rapport de patrouille",
    answers: { patrol_strength: 28, patrol_type: "escort" },
    pending: {},
    step: 0,
    notes: { who: "Deux interprètes avec nous." },
    photos: [],
    voice_notes: [],
    comments: [],
    conflicts: [],
    readback: [],
    confirmed: null,
    problems: [],
    flow: { hidden_steps: [], hidden_fields: [], required: ["patrol_unit"], calculated: {}, options: {}, entries: {}, counts: {} },
    delivery: "local",
    photo_files_waiting: 0,
    ...over,
  };
}

const went: string[] = [];
const nav: Navigator = {
  debrief: (_id, step, back) => went.push(`debrief ${step}${back ? " back" : ""}`),
  readback: () => went.push("readback"),
  form: () => went.push("form"),
  report: () => went.push("report"),
  home: () => went.push("home"),
};

describe("the debrief", () => {
  it("asks each step's question with the form's prompts, in the form's order, with a narrative box and voice notes", () => {
    const root = document.createElement("div");
    const session = new Session("fr", form, view(), [], () => {});
    renderStep(root, session, 0, nav, false);
    const step = form.steps[0];
    expect(root.querySelector("h1.question")?.textContent).toBe(step.question.fr);
    const asked = [...root.querySelectorAll<HTMLElement>(".field[data-field]")].map((f) => f.dataset.field);
    expect(asked).toEqual(step.fields);
    const prompts = [...root.querySelectorAll(".field[data-field] .field-label")].map((l) => l.firstChild?.textContent);
    expect(prompts).toEqual(step.fields.map((id) => form.fields.find((f) => f.id === id)?.prompt.fr));
    expect((root.querySelector("#answer-patrol_strength") as HTMLInputElement).value).toBe("28");
    expect((root.querySelector("#note-who") as HTMLTextAreaElement).value).toBe("Deux interprètes avec nous.");
    expect(root.querySelector('.voice[data-step="who"] .voice-file-input')).not.toBeNull();
    expect(root.querySelector(".step-count")?.textContent).toBe(`Question 1 sur ${form.steps.length}`);
  });

  it("shows a choice as big buttons with the answer pressed, and offers voice notes rather than a voice-notes question", () => {
    const root = document.createElement("div");
    const session = new Session("en", form, view(), [], () => {});
    renderStep(root, session, 1, nav, false);
    const pressed = root.querySelector('.option[aria-pressed="true"]');
    expect(pressed?.textContent).toBe("Escort");
    renderStep(root, session, form.steps.length - 1, nav, false);
    expect(root.querySelector('.field[data-field="voice_notes"]')).toBeNull();
    expect(root.querySelector(".voice")).not.toBeNull();
  });

  it("goes on to the read-back after the last step, or back to it after a correction", async () => {
    const root = document.createElement("div");
    const session = new Session("en", form, view(), [], () => {});
    went.length = 0;
    renderStep(root, session, form.steps.length - 1, nav, false);
    (root.querySelector("#step-next") as HTMLButtonElement).click();
    renderStep(root, session, 0, nav, true);
    expect(root.querySelector("#step-next")?.textContent).toBe("Back to the read-back");
    (root.querySelector("#step-next") as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 0));
    expect(went).toEqual(["readback", "readback"]);
  });

  it("asks only what the flow asks: hidden steps are skipped both ways and not counted, hidden questions not shown", async () => {
    const root = document.createElement("div");
    const flow = { hidden_steps: ["task", "people"], hidden_fields: ["vehicles"], required: ["patrol_leader"], calculated: {}, options: {}, entries: {}, counts: {} };
    const session = new Session("en", form, view({ flow }), [], () => {});
    went.length = 0;
    renderStep(root, session, 0, nav, false);
    const asked = form.steps.length - 2;
    expect(root.querySelector(".step-count")?.textContent).toBe(`Question 1 of ${asked}`);
    const shown = (id: string) => !(root.querySelector(`.field[data-field="${id}"]`) as HTMLElement).hidden;
    expect(shown("patrol_strength")).toBe(true);
    expect(shown("vehicles")).toBe(false);
    const needed = (id: string) => !(root.querySelector(`.field[data-field="${id}"] .required`) as HTMLElement).hidden;
    expect(needed("patrol_leader")).toBe(true);
    expect(needed("patrol_unit")).toBe(false);
    (root.querySelector("#step-next") as HTMLButtonElement).click();
    // Step 1 ("task") is not asked: on to step 2, counted as the second.
    renderStep(root, session, 2, nav, false);
    expect(root.querySelector(".step-count")?.textContent).toBe(`Question 2 of ${asked}`);
    (root.querySelector("#step-back") as HTMLButtonElement).click();
    // Reopened on a step no longer asked: straight on to the next one asked.
    renderStep(root, session, 1, nav, false);
    await new Promise((r) => setTimeout(r, 0));
    expect(went).toEqual(["debrief 2", "debrief 0", "debrief 2"]);
  });

  it("offers only the options the flow offers, pressed as the report holds them", () => {
    const qip = JSON.parse(readFileSync(resolve(__dirname, "../../forms/qip.json"), "utf8")) as Form;
    const root = document.createElement("div");
    const flow = { hidden_steps: [], hidden_fields: [], required: [], calculated: {}, options: { cercle: ["gao", "ansongo", "bourem"] }, entries: {}, counts: {} };
    const session = new Session("fr", qip, view({ form: "qip", answers: { region: "gao" }, flow }), [], () => {});
    renderPlainForm(root, session, nav);
    const shown = [...root.querySelectorAll<HTMLButtonElement>('[data-field="cercle"] .option')]
      .filter((b) => !b.hidden)
      .map((b) => b.dataset.value);
    expect(shown).toEqual(["gao", "ansongo", "bourem"]);
    const pressed = root.querySelector('[data-field="region"] .option[data-value="gao"]')?.getAttribute("aria-pressed");
    expect(pressed).toBe("true");
  });

  it("lists every step as a group of labelled fields on the plain form", () => {
    const root = document.createElement("div");
    renderPlainForm(root, new Session("fr", form, view(), [], () => {}), nav);
    const groups = [...root.querySelectorAll<HTMLElement>("fieldset.form-step")].map((g) => g.dataset.step);
    expect(groups).toEqual(form.steps.map((s) => s.id));
    const label = root.querySelector('.field[data-field="patrol_strength"] .field-label')?.firstChild?.textContent;
    expect(label).toBe("Effectif");
  });

  it("marks what is missing or not valid yet on the read-back", () => {
    const root = document.createElement("div");
    const report = view({
      readback: [
        {
          step: "who",
          question: "Who went out?",
          lines: [
            { field: "patrol_unit", label: "Patrolling unit", value: null, required: true },
            { field: "patrol_strength", label: "Strength", value: "28 people", required: false },
            { field: "vehicles", label: "Vehicles", value: null, required: false },
          ],
          note: null,
        },
      ],
      problems: [{ field: "patrol_unit", code: "validation.required", message: "Patrolling unit is required." }],
      pending: { vehicles: -1 },
    });
    renderReadback(root, new Session("en", form, report, [], () => {}), nav);
    expect(root.querySelector('dd[data-field="patrol_unit"] .problem')?.textContent).toBe("Patrolling unit is required.");
    expect(root.querySelector('dd[data-field="vehicles"] .problem')?.textContent).toBe("What was typed here is not valid yet.");
    expect(root.querySelector('dd[data-field="patrol_strength"]')?.textContent).toBe("28 people");
  });
});
