// End to end: a patrol leader's debrief in French on the real app — answers
// checked as they are given, a photo, the read-back corrected and confirmed —
// and the app killed mid-debrief coming back to the same step.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { App, answerSaved, artifacts, debriefStep, nextStep, outpost, tempDir, textOf, type, waitFor } from "./app.mjs";

const files = tempDir("files");
const photo = join(files, "patrouille.jpg");
const corrupt = join(files, "abimee.jpg");
const voice = join(files, "note.wav");
const notAudio = join(files, "note.txt");

/** One second of 8 kHz 8-bit silence as WAV: what a recorder app saves. */
function wav() {
  const data = 8000;
  const b = Buffer.alloc(44 + data, 128);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + data, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write("data", 36);
  b.writeUInt32LE(data, 40);
  return b;
}
let app;
let browser;

/** Local "YYYY-MM-DD HH:MM", `days` from now. */
function localDate(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

const step = () => debriefStep(browser);
const next = (expected) => nextStep(browser, expected);
const saved = () => answerSaved(browser);

async function problemOf(field) {
  return waitFor(async () => {
    const p = await browser.$(`[data-problems-for="${field}"] .problem`);
    return (await p.isExisting()) && { code: await p.getAttribute("data-code"), text: await p.getText() };
  }, `a problem shown for ${field}`);
}

async function noProblemOf(field) {
  await waitFor(async () => !(await browser.$(`[data-problems-for="${field}"] .problem`).isExisting()), `${field} accepted`);
}

before(async () => {
  execFileSync("convert", ["-size", "1600x1200", "plasma:fractal", "-quality", "85", photo]);
  writeFileSync(corrupt, readFileSync(photo).subarray(0, 700));
  writeFileSync(voice, wav());
  writeFileSync(notAudio, "Rien à signaler.");
  const data = tempDir("debrief");
  outpost(data, "demo");
  app = new App(data);
  browser = await app.start();
  await browser.$("#new-report").waitForExist({ timeout: 30_000 });
  await browser.$("#switch-lang").click();
  await waitFor(async () => (await textOf(browser, "h1")) === "Mes rapports", "French");
});

after(async () => {
  await app?.stop();
});

test("a full patrol debrief in French: inline errors, a photo, a corrected read-back, submitted", async () => {
  await browser.$("#new-report").click();
  await browser.$("#start-patrol").click();
  assert.equal(await step(), "who");
  assert.equal(await textOf(browser, "h1.question"), "Qui est sorti en patrouille ?", "the form's question, in French");
  await browser.saveScreenshot(join(artifacts, "debrief-step-fr.png"));

  await type(browser, "#answer-patrol_unit", "1re section, BATGAO");
  await type(browser, "#answer-patrol_leader", "Capt. Diallo");
  await type(browser, "#answer-patrol_strength", "-3");
  const negative = await problemOf("patrol_strength");
  assert.equal(negative.code, "validation.below_min");
  assert.match(negative.text, /Effectif doit valoir au moins 0/);
  await browser.saveScreenshot(join(artifacts, "debrief-error-fr.png"));
  await type(browser, "#answer-patrol_strength", "28");
  await noProblemOf("patrol_strength");
  await type(browser, "#note-who", "Deux interprètes avec nous.");
  await saved();

  await next("task");
  await browser.$('[data-field="patrol_type"] .option[data-value="escort"]').click();
  await saved();

  await next("when");
  await type(browser, "#answer-departed_at", localDate(30));
  const future = await problemOf("departed_at");
  assert.equal(future.code, "validation.in_future");
  assert.match(future.text, /dans le futur/);
  await type(browser, "#answer-departed_at", localDate(-1));
  await noProblemOf("departed_at");

  await next("where");
  await type(browser, "#answer-route", "Gao – Ansongo, retour par la même route");
  await next("observations");
  await type(browser, "#answer-observations", "Deux pick-up armés au km 62, partis vers le nord-est, sans contact.");
  await saved();
  // A voice note on this step: a text file is refused, a recording is kept.
  await browser.$('.voice[data-step="observations"] .voice-file-input').setValue(notAudio);
  const notVoice = await problemOf("voice:observations");
  assert.equal(notVoice.code, "voice.unsupported");
  assert.match(notVoice.text, /enregistrement/);
  await browser.$('.voice[data-step="observations"] .voice-file-input').setValue(voice);
  await browser.$('.voice[data-step="observations"] audio').waitForExist({ timeout: 15_000 });
  await next("people");
  // Nothing to say about people met, incidents or follow-up: skip them.
  for (const s of ["people", "incidents", "follow_up"]) {
    await browser.$("#step-skip").click();
    await waitFor(async () => (await step()) !== s, `past ${s}`);
  }
  assert.equal(await step(), "closing");

  await browser.$(".photo-input").setValue(corrupt);
  const bad = await problemOf("photos");
  assert.equal(bad.code, "photo.corrupt", bad.text);
  assert.match(bad.text, /endommagé/);
  await browser.$(".photo-input").setValue(photo);
  await waitFor(async () => (await browser.$$("img.thumb").length) === 1, "the photo's thumbnail");
  await waitFor(async () => (await browser.$("img.thumb").getProperty("naturalWidth")) > 0, "the thumbnail drawn");

  await browser.$("#step-next").click();
  await browser.$("section.readback").waitForExist({ timeout: 15_000 });
  const leader = await textOf(browser, 'dd[data-field="patrol_leader"]');
  assert.equal(leader, "Capt. Diallo");
  assert.equal(await textOf(browser, 'dd[data-field="patrol_strength"]'), "28 personnes");
  assert.equal(await textOf(browser, 'dd[data-field="patrol_type"]'), "Escorte");
  await browser.saveScreenshot(join(artifacts, "readback-fr.png"));

  // The leader's initial was missing: correct it from the read-back.
  await browser.$('article[data-step="who"] .correct').click();
  await waitFor(async () => (await step()) === "who", "back at the first question");
  assert.equal(await browser.$("#answer-patrol_leader").getValue(), "Capt. Diallo");
  await type(browser, "#answer-patrol_leader", "Capt. A. Diallo");
  await browser.$("#step-next").click();
  await browser.$("section.readback").waitForExist({ timeout: 15_000 });
  await waitFor(
    async () => (await textOf(browser, 'dd[data-field="patrol_leader"]')) === "Capt. A. Diallo",
    "the corrected read-back",
  );

  await browser.$("#confirm-submit").click();
  await browser.$("section.report-screen").waitForExist({ timeout: 15_000 });
  assert.equal(await textOf(browser, ".report-screen .status"), "Soumis");
  const id = await browser.$("section.report-screen").getAttribute("data-id");

  await browser.$("#to-home").click();
  const item = await browser.$(`li.report[data-id="${id}"]`);
  await item.waitForExist({ timeout: 15_000 });
  assert.equal(await item.$(".status").getText(), "Soumis");
  assert.equal(await item.$(".delivery").getText(), "Seulement sur cet appareil");
  await browser.saveScreenshot(join(artifacts, "home-fr-after-debrief.png"));

  // The store holds what the screen said, and the read-back as confirmed.
  const stored = JSON.parse(outpost(app.data, "report", "show", id, "--json"));
  assert.equal(stored.meta.status, "submitted");
  assert.equal(stored.answers.patrol_leader, "Capt. A. Diallo");
  assert.equal(stored.answers.patrol_strength, 28);
  assert.equal(stored.notes.who, "Deux interprètes avec nous.");
  assert.equal(stored.photos.length, 1);
  assert.equal(stored.voice_notes.length, 1);
  assert.equal(stored.voice_notes[0].step, "observations");
  assert.match(stored.readback.text, /Chef de patrouille: Capt\. A\. Diallo/);
});

test("killed mid-debrief, the app reopens on the same step with every saved answer", async () => {
  await browser.$("#to-home-bar").click();
  await browser.$("#new-report").click();
  await browser.$("#start-incident").click();
  assert.equal(await step(), "what");
  await browser.$('[data-field="incident_type"] .option').click();
  await type(browser, "#note-what", "Tirs entendus au nord du camp vers 02h00.");
  await saved();
  await next("where");
  await type(browser, "#answer-incident_location-place", "Ansongo, quartier sud");
  await saved();

  await app.kill();
  browser = await app.start();
  const resumedAt = await waitFor(async () => (await step()) || null, "the debrief reopened");
  assert.equal(resumedAt, "where", "the same step");
  assert.equal(await browser.$("#answer-incident_location-place").getValue(), "Ansongo, quartier sud");
  await browser.$("#step-back").click();
  await waitFor(async () => (await step()) === "what", "the step before");
  assert.equal(await browser.$("#note-what").getValue(), "Tirs entendus au nord du camp vers 02h00.");
  assert.equal(
    await browser.$('[data-field="incident_type"] .option[aria-pressed="true"]').isExisting(),
    true,
    "the choice made before the crash",
  );
});

test("killed with a keystroke not yet saved, the app gives back everything up to the last save", async () => {
  await next("where");
  const field = "#answer-incident_location-place";
  assert.equal(await browser.$(field).getValue(), "Ansongo, quartier sud");
  await browser.$(field).click();
  // Typed and killed inside the pause before a save (400 ms): the state
  // still says "pending" just before the kill.
  await browser.$(field).addValue(", près du marché");
  const state = await browser.$(".save-state").getAttribute("data-state");
  await app.kill();
  assert.equal(state, "pending", "the kill landed with the keystrokes unsaved");

  browser = await app.start();
  const resumedAt = await waitFor(async () => (await step()) || null, "the debrief reopened");
  assert.equal(resumedAt, "where", "the same step");
  // What the person gets back: the answer as last saved, whole — at most
  // the last pause of typing is gone, and never a garbled or partial value.
  const back = await browser.$(field).getValue();
  assert.ok(
    back === "Ansongo, quartier sud" || back === "Ansongo, quartier sud, près du marché",
    `the last saved answer, whole: ${back}`,
  );
  console.log(`# killed with keystrokes pending: the field came back as ${JSON.stringify(back)}`);
});
