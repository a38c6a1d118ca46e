// End to end: an incident debrief that follows the form's logic on the real
// app. The device step appears only for an IED, casualty counts only when
// someone was hurt, their total is worked out as they are typed, a
// constraint speaks the form's own words, and "Question n of m" counts only
// what is asked — in English, then the plain form in French.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { App, answerSaved, artifacts, debriefStep, nextStep, outpost, tempDir, textOf, type, waitFor } from "./app.mjs";

let app;
let browser;

const step = () => debriefStep(browser);
const next = (expected) => nextStep(browser, expected);
const saved = () => answerSaved(browser);

async function choose(field, value) {
  await browser.$(`[data-field="${field}"] .option[data-value="${value}"]`).click();
  await saved();
}

/** Whether the question `field` is shown on the screen. */
async function shown(field) {
  return browser.execute((f) => {
    const box = document.querySelector(`.field[data-field="${f}"]`);
    return box !== null && !box.hidden;
  }, field);
}

async function stepCount(wanted) {
  return waitFor(async () => {
    const text = await textOf(browser, ".step-count");
    return text === wanted && text;
  }, `the step count "${wanted}"`);
}

/** Waits for two frames, so that a screenshot shows what the page now holds. */
async function settled() {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

before(async () => {
  const data = tempDir("logic");
  outpost(data, "demo");
  app = new App(data);
  browser = await app.start();
  await browser.$("#new-report").waitForExist({ timeout: 30_000 });
});

after(async () => {
  await app?.stop();
});

test("an incident debrief asks only what the answers call for, and counts only that", async () => {
  await browser.$("#new-report").click();
  await browser.$("#start-incident").click();
  assert.equal(await step(), "what");
  // Ten steps in the form; the device and the other casualties are not
  // asked until an answer calls for them.
  await stepCount("Question 1 of 8");
  await choose("incident_type", "ied");
  await stepCount("Question 1 of 9");
  await choose("incident_type", "direct_fire");
  await stepCount("Question 1 of 8");

  await next("where");
  await type(browser, "#answer-incident_location-place", "Anefis, piste nord");
  await saved();
  await next("who");
  await type(browser, "#answer-actor_count", "2");
  await saved();
  await next("activity");
  assert.equal(await shown("attack_details"), true, "an attack: how it was done is asked");
  await type(browser, "#answer-activity", "Two gunmen fired on the convoy from the dune, then fled on motorbikes.");
  await saved();
  // Direct fire: no device step.
  await next("casualties");
  await stepCount("Question 5 of 8");
  assert.equal(await shown("any_casualties"), true);
  assert.equal(await shown("un_killed"), false, "no counts before anyone is said to be hurt");

  await choose("any_casualties", "yes");
  await waitFor(() => shown("un_killed"), "the counts asked");
  await stepCount("Question 5 of 9");
  await type(browser, "#answer-un_wounded", "2");
  await type(browser, "#answer-civilians_wounded", "1");
  await saved();
  await browser.saveScreenshot(join(artifacts, "logic-casualties-en.png"));

  await next("other_casualties");
  await waitFor(async () => (await textOf(browser, "#answer-casualties_total")) === "3 people", "the total worked out");
  await type(browser, "#answer-attackers_killed", "1");
  await waitFor(async () => (await textOf(browser, "#answer-casualties_total")) === "4 people", "the total follows");
  // More detained than the two attackers counted: the form's own message.
  await type(browser, "#answer-attackers_detained", "3");
  const problem = await waitFor(async () => {
    const p = await browser.$('[data-problems-for="attackers_detained"] .problem');
    return (await p.isExisting()) && { code: await p.getAttribute("data-code"), text: await p.getText() };
  }, "the constraint's message");
  assert.equal(problem.code, "validation.constraint");
  assert.equal(problem.text, "More people detained than attackers counted: check both numbers.");
  await settled();
  await browser.saveScreenshot(join(artifacts, "logic-constraint-en.png"));

  // Nobody was hurt after all: the counts go, and with them the next step.
  await browser.$("#step-back").click();
  await waitFor(async () => (await step()) === "casualties", "back to the casualties");
  await choose("any_casualties", "no");
  await waitFor(async () => !(await shown("un_wounded")), "the counts no longer asked");
  await stepCount("Question 5 of 8");
  await next("civilians");

  // The read-back has neither the device nor the other casualties, and the
  // counts given before are gone from the report.
  await browser.$("#step-skip").click();
  await waitFor(async () => (await step()) === "actions", "actions");
  await browser.$("#step-skip").click();
  await waitFor(async () => (await step()) === "closing", "closing");
  await browser.$("#step-next").click();
  await browser.$("section.readback").waitForExist({ timeout: 15_000 });
  const sections = await browser.execute(() =>
    [...document.querySelectorAll(".readback-step")].map((s) => s.getAttribute("data-step")),
  );
  assert.ok(!sections.includes("device"), `no device step: ${sections}`);
  assert.ok(!sections.includes("other_casualties"), `no other casualties: ${sections}`);
  await settled();
  await browser.saveScreenshot(join(artifacts, "logic-readback-en.png"));

  const stored = JSON.parse(outpost(app.data, "report", "list", "--json"))
    .map((r) => JSON.parse(outpost(app.data, "report", "show", r.id, "--json")))
    .find((r) => r.form.id === "incident" && r.answers.incident_location?.place === "Anefis, piste nord");
  assert.ok(stored, "the debriefed incident is in the store");
  for (const gone of ["un_wounded", "civilians_wounded", "attackers_killed", "attackers_detained", "casualties_total"]) {
    assert.ok(stored.answers[gone] === undefined || stored.answers[gone] === null, `${gone} is not kept`);
  }
  assert.equal(stored.answers.any_casualties, "no");
});

test("the plain form in French hides what is not asked and shows it again when an answer calls for it", async () => {
  // Still on the read-back: the language switches in place.
  await browser.$("#switch-lang").click();
  await waitFor(async () => (await textOf(browser, "#to-form")) === "Formulaire simple", "French");
  await browser.$("#to-form").click();
  await browser.$("section.plain-form").waitForExist({ timeout: 15_000 });
  const groupShown = (s) =>
    browser.execute((id) => !document.querySelector(`fieldset.form-step[data-step="${id}"]`).hidden, s);
  assert.equal(await groupShown("device"), false);
  assert.equal(await groupShown("other_casualties"), false);
  await choose("incident_type", "ied");
  await waitFor(() => groupShown("device"), "the device asked");
  assert.equal(await textOf(browser, 'fieldset[data-step="device"] legend'), "Quel était l'engin ?");
  await choose("any_casualties", "yes");
  await waitFor(() => groupShown("other_casualties"), "the other casualties asked");
  await browser.$('fieldset[data-step="device"]').scrollIntoView();
  await settled();
  await browser.saveScreenshot(join(artifacts, "logic-plain-form-fr.png"));

  // The round trip from a changed answer to the redrawn screen, measured in
  // the page: the click, the Rust side saving and working out the logic,
  // and the question shown or hidden.
  const times = [];
  for (let i = 0; i < 6; i++) {
    const value = i % 2 === 0 ? "no" : "yes";
    const ms = await browser.executeAsync((v, done) => {
      const box = document.querySelector('.field[data-field="un_killed"]');
      const want = v === "no";
      const start = performance.now();
      document.querySelector(`[data-field="any_casualties"] .option[data-value="${v}"]`).click();
      const poll = () => (box.hidden === want ? done(performance.now() - start) : requestAnimationFrame(poll));
      poll();
    }, value);
    times.push(ms);
    await saved();
  }
  times.sort((a, b) => a - b);
  console.log(`# answer to redrawn screen: median ${times[3].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[5].toFixed(1)})`);
});

test("a cascade in French: the cercles follow the region, and a cercle of another region is dropped", async () => {
  await browser.$("#to-home-bar").click();
  await browser.$("#new-report").waitForExist({ timeout: 15_000 });
  await browser.$("#new-report").click();
  await browser.$("#start-qip").click();
  assert.equal(await step(), "community");
  const offered = () =>
    browser.execute(() =>
      [...document.querySelectorAll('[data-field="cercle"] .option')].filter((b) => !b.hidden).map((b) => b.dataset.value),
    );
  assert.equal(await shown("cercle"), false, "no region yet: no cercle asked");
  await choose("region", "gao");
  await waitFor(() => shown("cercle"), "the cercle asked");
  await waitFor(async () => (await offered()).join() === "gao,ansongo,bourem", "Gao's cercles");
  await choose("cercle", "ansongo");
  await choose("region", "kidal");
  await waitFor(async () => (await offered()).join() === "kidal,abeibara,tessalit,tin_essako", "Kidal's cercles");
  const pressed = await browser.execute(() =>
    [...document.querySelectorAll('[data-field="cercle"] .option[aria-pressed="true"]')].map((b) => b.dataset.value),
  );
  assert.deepEqual(pressed, [], "Ansongo is not Kidal's: dropped");
  await choose("cercle", "tessalit");
  await settled();
  await browser.saveScreenshot(join(artifacts, "logic-cascade-fr.png"));
  const stored = JSON.parse(outpost(app.data, "report", "list", "--json"))
    .map((r) => JSON.parse(outpost(app.data, "report", "show", r.id, "--json")))
    .find((r) => r.form.id === "qip" && r.answers.region === "kidal");
  assert.ok(stored, "the assessment is in the store");
  assert.equal(stored.answers.cercle, "tessalit");
});
