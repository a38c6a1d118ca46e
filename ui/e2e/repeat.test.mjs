// End to end: a repeat in the patrol debrief on the real app. The people
// the patrol met are entries: one is added, its questions follow its own
// answers (the group is asked of an armed group's representative only),
// "Another person met?" adds the next, the count outside follows, an entry
// is removed with two taps, and what the store keeps is exactly what is on
// the screen — in English, then in French.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { App, answerSaved, artifacts, debriefStep, outpost, tempDir, textOf, type, waitFor } from "./app.mjs";

let app;
let browser;

const saved = () => answerSaved(browser);
const entry = (n) => `.entry[data-repeat="people_met"][data-position="${n}"]`;

async function entries() {
  return browser.execute(() => document.querySelectorAll('.entry[data-repeat="people_met"]').length);
}

/** Whether question `field` of entry `n` is shown. */
async function shownIn(n, field) {
  return browser.execute(
    (sel, f) => {
      const box = document.querySelector(`${sel} .field[data-field="${f}"]`);
      return box !== null && !box.hidden;
    },
    entry(n),
    field,
  );
}

async function chooseIn(n, field, value) {
  const option = await browser.$(`${entry(n)} [data-field="${field}"] .option[data-value="${value}"]`);
  await option.scrollIntoView({ block: "center" });
  await option.click();
  await saved();
}

async function settled() {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

/** The patrol report this test writes, as the command line reads it. */
function stored() {
  return JSON.parse(outpost(app.data, "report", "list", "--json"))
    .map((r) => JSON.parse(outpost(app.data, "report", "show", r.id, "--json")))
    .find((r) => r.form.id === "patrol" && Array.isArray(r.answers.people_met) && r.answers.people_met.some((e) => /Tin-Hama|Ganda/.test(e.met_name)));
}

before(async () => {
  const data = tempDir("repeat");
  outpost(data, "demo");
  app = new App(data);
  browser = await app.start();
  await browser.$("#new-report").waitForExist({ timeout: 30_000 });
});

after(async () => {
  await app?.stop();
});

test("people met are added, follow their own answers, and are removed, as the store keeps them", async () => {
  await browser.$("#new-report").click();
  await browser.$("#start-patrol").click();
  assert.equal(await debriefStep(browser), "who");
  // Skip to the people met.
  while ((await debriefStep(browser)) !== "people") {
    const before = await debriefStep(browser);
    await browser.$("#step-skip").click();
    await waitFor(async () => (await debriefStep(browser)) !== before, "the next step");
  }
  assert.equal(await entries(), 0);
  assert.equal(await textOf(browser, '[data-field="people_met"] .add-entry'), "Add an entry");

  await browser.$('[data-field="people_met"] .add-entry').click();
  await waitFor(async () => (await entries()) === 1, "a first entry");
  await type(browser, "#answer-people_met-1-met_name", "Ganda Izo spokesman");
  await saved();
  assert.equal(await shownIn(1, "met_group"), false, "no group before the role says so");
  await chooseIn(1, "met_role", "armed_group");
  await waitFor(() => shownIn(1, "met_group"), "the group asked of an armed group's representative");
  await type(browser, "#answer-people_met-1-met_group", "Ganda Izo");
  await saved();

  const another = await browser.$('[data-field="people_met"] .add-entry');
  assert.equal(await another.getText(), "Another person met?");
  await another.click();
  await waitFor(async () => (await entries()) === 2, "a second entry");
  await type(browser, "#answer-people_met-2-met_name", "Youth leader of Tin-Hama");
  await saved();
  await chooseIn(2, "met_role", "youth");
  assert.equal(await shownIn(2, "met_group"), false, "a youth leader speaks for no armed group");
  assert.equal(await shownIn(1, "met_group"), true, "the first entry keeps its own question");
  await waitFor(async () => (await textOf(browser, "#answer-people_met_count")) === "2", "the count follows the entries");
  await settled();
  await browser.$(entry(2)).scrollIntoView({ block: "center" });
  await browser.saveScreenshot(join(artifacts, "repeat-people-en.png"));

  let report = stored();
  assert.deepEqual(
    report.answers.people_met.map((e) => [e.met_name, e.met_role, e.met_group]),
    [
      ["Ganda Izo spokesman", "armed_group", "Ganda Izo"],
      ["Youth leader of Tin-Hama", "youth", undefined],
    ],
  );

  // Removing takes two taps; the first only asks.
  const remove = await browser.$(`${entry(1)} .remove-entry`);
  await remove.scrollIntoView({ block: "center" });
  await remove.click();
  assert.equal(await entries(), 2, "one tap removes nothing");
  assert.equal(await remove.getText(), "Tap again to remove entry 1");
  await remove.click();
  await waitFor(async () => (await entries()) === 1, "the entry removed");
  await waitFor(async () => (await browser.$("#answer-people_met-1-met_name").getValue()) === "Youth leader of Tin-Hama", "the other entry first");
  await waitFor(async () => (await textOf(browser, "#answer-people_met_count")) === "1", "the count follows");
  report = stored();
  assert.deepEqual(
    report.answers.people_met.map((e) => e.met_name),
    ["Youth leader of Tin-Hama"],
  );
  assert.equal(report.answers.people_met_count, 1);
});

test("in French the entries, their questions and the way to add one speak French", async () => {
  await browser.$("#switch-lang").click();
  await waitFor(
    async () => (await textOf(browser, '[data-field="people_met"] .add-entry')) === "Une autre personne rencontrée ?",
    "French",
  );
  assert.equal(await textOf(browser, `${entry(1)} .entry-title`), "Personnes rencontrées 1");
  assert.equal(await textOf(browser, `${entry(1)} .remove-entry`), "Retirer");
  // A wrong answer inside an entry is said under that entry's question.
  await type(browser, "#answer-people_met-1-met_name", "x".repeat(161));
  const problem = await waitFor(async () => {
    const p = await browser.$(`[data-problems-for="people_met.1.met_name"] .problem`);
    return (await p.isExisting()) && (await p.getText());
  }, "the problem under the entry's question");
  assert.match(problem, /161/);
  await type(browser, "#answer-people_met-1-met_name", "Responsable des jeunes de Tin-Hama");
  await saved();
  await waitFor(
    async () => !(await browser.$(`[data-problems-for="people_met.1.met_name"] .problem`).isExisting()),
    "the problem gone once corrected",
  );
  await settled();
  await browser.$(entry(1)).scrollIntoView({ block: "center" });
  await browser.saveScreenshot(join(artifacts, "repeat-people-fr.png"));
  assert.equal(stored().answers.people_met[0].met_name, "Responsable des jeunes de Tin-Hama");
});
