// End to end: headquarters reviews what three sectors sent through a real
// hub. The reviewer (cleared to CONFIDENTIAL) filters, maps and exports
// without ever meeting a STRICTLY CONFIDENTIAL report, opens an incident,
// asks its author a question and asks the author's unit a standing question;
// after syncing, the author's tablet shows both, the author answers, and the
// answers reach the reviewer's screen. Screenshots of the list, the map, a
// report and the QIP pipeline are saved for a person to look at.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { App, Hub, artifacts, outpost, tempDir, textOf, type, waitFor } from "./app.mjs";

const DAY = 86_400_000;
const QUESTION = "Which direction did the motorbikes leave in? Was the crater photographed?";
const ANSWER = "North-east towards Tin-Essako. Yes, two photos of the crater.";
const STANDING = "Is the Anefis well working again, and who repaired it?";
const STANDING_ANSWER = "Working since Monday; repaired by the village committee.";
let hub;
let hq;
let author;
const reports = [];

function iso(msAgo) {
  return new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, "Z");
}

/** A field device of `unit` in `sector`, enrolled with the hub. */
function device(unit, sector, authorName) {
  const data = tempDir(unit.toLowerCase());
  outpost(data, "profile", "--author", authorName, "--unit", unit, "--sector", sector);
  outpost(data, "enrol", "--hub", hub.url, "--code", hub.code(unit, "field", "STRICTLY CONFIDENTIAL", sector));
  return data;
}

/** Files a report of `kind` from the template with these changes; returns its id. */
function file(data, kind, changes, classification = "UNCLASSIFIED", lang = "en") {
  const answers = { ...JSON.parse(outpost(data, "report", "template", "--kind", kind)), ...changes };
  const path = join(data, `answers-${reports.length}.json`);
  writeFileSync(path, JSON.stringify(answers));
  const id = outpost(data, "report", "create", "--kind", kind, "--answers", path, "--classification", classification, "--lang", lang).trim();
  reports.push({ id, kind, classification, data, ...changes });
  return id;
}

function incident(data, lat, lon, place, daysAgo, narrative, classification) {
  return file(
    data,
    "incident",
    {
      incident_location: { lat, lon, accuracy_m: 50, place },
      location_details: place,
      occurred_at: iso(daysAgo * DAY),
      ended_at: iso(daysAgo * DAY - 1_800_000),
      narrative,
    },
    classification,
  );
}

function qip(data, lat, lon, community, daysAgo) {
  return file(data, "qip", {
    community,
    location: { lat, lon, accuracy_m: 20, place: community },
    assessment_date: iso(daysAgo * DAY),
  });
}

let incidentId;
let secretIds;

before(async () => {
  hub = new Hub();
  await hub.start();
  author = device("BATGAO-1", "East", "Lt. Traoré");
  const kidal = device("BATKDL-2", "North", "Capt. Maïga");
  const timbuktu = device("BATTBK-3", "West", "Lt. Coulibaly");
  incidentId = incident(author, 18.084, 0.616, "3 km north of Anefis", 1, "Ambush at the Tinzawaten fork; the attackers withdrew.", "CONFIDENTIAL");
  // Two photos of the crater; the camp Wi-Fi sync carries their originals too.
  for (const [i, pattern] of ["plasma:fractal", "gradient:khaki-sienna"].entries()) {
    const photo = join(author, `crater-${i}.jpg`);
    execFileSync("convert", ["-size", "1600x1200", pattern, "-quality", "85", photo]);
    outpost(author, "photo", "add", incidentId, photo);
  }
  incident(author, 18.05, 0.6, "Anefis wadi crossing", 2, "Small-arms fire at the wadi crossing, no casualties.");
  incident(author, 16.27, -0.05, "Gao market", 3, "Crowd gathered after a rumour; dispersed peacefully.");
  incident(author, 15.66, 0.5, "Ansongo bridge", 4, "Bridge checkpoint harassed by armed men.");
  secretIds = [incident(author, 16.3, -0.03, "Gao airport road", 2, "Source report on a planned attack.", "STRICTLY CONFIDENTIAL")];
  qip(author, 16.28, -0.04, "Sosso Koïra, Gao", 40);
  qip(author, 16.9, -0.35, "Bourem", 10);
  incident(kidal, 18.44, 1.41, "Kidal south gate", 1, "Indirect fire on the camp, two rounds.");
  incident(kidal, 20.2, 1.01, "Tessalit airstrip", 5, "Drone sighting reported by herders.");
  incident(kidal, 19.46, 0.86, "Aguelhok", 6, "Mortar round fell short of the camp.", "CONFIDENTIAL");
  incident(timbuktu, 16.77, -3.0, "Tombouctou, Abaradjou", 2, "Checkpoint dispute resolved by the elders.");
  incident(timbuktu, 16.41, -3.67, "Goundam", 3, "Cattle theft; herders ask for patrols.");
  qip(timbuktu, 16.77, -3.01, "Abaradjou, Tombouctou", 20);
  for (const d of [author, kidal, timbuktu]) outpost(d, "sync");

  hq = tempDir("hq");
  outpost(hq, "profile", "--author", "Maj. Keita", "--unit", "JOC", "--sector", "HQ");
  outpost(hq, "enrol", "--hub", hub.url, "--code", hub.code("JOC", "hq", "CONFIDENTIAL", "HQ"));
  outpost(hq, "sync");
  // A report above the reviewer's clearance on the reviewer's own device
  // (typed there by someone cleared higher): the workspace must not show it.
  const answers = join(hq, "secret.json");
  writeFileSync(
    answers,
    JSON.stringify({
      ...JSON.parse(outpost(hq, "report", "template", "--kind", "incident")),
      incident_location: { lat: 16.27, lon: -0.04, place: "Gao" },
      occurred_at: iso(DAY),
      ended_at: iso(DAY - 60_000),
    }),
  );
  secretIds.push(outpost(hq, "report", "create", "--kind", "incident", "--answers", answers, "--classification", "STRICTLY CONFIDENTIAL").trim());
});

after(() => hub?.stop());

// The report above the reviewer's clearance can never leave its device: each
// sync says so and fails with its own exit code, every other item sent.
function syncRefusingTheSecret() {
  assert.throws(
    () => outpost(hq, "sync"),
    (e) => e.status === 4 && /sync\.refused/.test(String(e.stderr)),
    "the sync reports the refused report",
  );
}

const visible = () => reports.filter((r) => r.classification !== "STRICTLY CONFIDENTIAL");

async function total(browser) {
  const el = await browser.$("#review-total");
  await el.waitForExist({ timeout: 15_000 });
  return Number(await el.getAttribute("data-total"));
}

async function waitTotal(browser, n, what) {
  await waitFor(async () => (await total(browser)) === n, `${what}: ${n} reports`);
}

async function markerCount(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll("svg.map .markers > g")].reduce((n, g) => n + Number(g.getAttribute("data-count")), 0),
  );
}

test("a reviewer filters, maps, exports and asks; the author's tablet answers; nothing above the clearance shows", async () => {
  const reviewerApp = new App(hq);
  let browser = await reviewerApp.start();
  try {
    await browser.$("#to-review").waitForExist({ timeout: 30_000 });
    await browser.$("#to-review").click();
    await waitTotal(browser, visible().length, "every report up to CONFIDENTIAL");
    const shown = await browser.execute(() => [...document.querySelectorAll(".review-list li.report")].map((li) => li.dataset.id));
    for (const id of secretIds) assert.ok(!shown.includes(id), "a STRICTLY CONFIDENTIAL report is never listed");
    const levels = await browser.execute(() => [...document.querySelectorAll("#filter-classification option")].map((o) => o.value));
    assert.ok(!levels.includes("STRICTLY CONFIDENTIAL"), `no count is offered above the clearance: ${levels}`);

    // Filters combine, and each choice shows how many it would give.
    const north = visible().filter((r) => r.data.includes("batkdl")).length;
    const option = await browser.$('#filter-sector option[value="North"]');
    assert.match(await option.getText(), new RegExp(`\\(${north}\\)`));
    await browser.$("#filter-sector").selectByAttribute("value", "North");
    await waitTotal(browser, north, "sector North");
    await browser.$("#filter-kind").selectByAttribute("value", "incident");
    await waitTotal(browser, north, "North incidents");
    await browser.$("#filter-clear").click();
    await waitTotal(browser, visible().length, "filters cleared");
    await type(browser, "#filter-text", "Tinzawaten");
    await browser.keys("Enter");
    await waitTotal(browser, 1, "full text 'Tinzawaten'");
    await browser.$("#filter-clear").click();
    await waitTotal(browser, visible().length, "filters cleared again");
    await browser.saveScreenshot(join(artifacts, "review-list-en.png"));

    // The map: every visible located report, in clusters or alone; none above the clearance.
    await browser.$("#tab-map").click();
    await browser.$("svg.map .markers").waitForExist({ timeout: 15_000 });
    assert.equal(await markerCount(browser), visible().length, "every visible report is on the map once");
    const clusters = await browser.$$("svg.map .cluster");
    assert.ok(clusters.length > 0, "reports close together are clustered at country scale");
    await browser.saveScreenshot(join(artifacts, "review-map-en.png"));
    await browser.$("#filter-sector").selectByAttribute("value", "West");
    await waitFor(async () => (await markerCount(browser)) === visible().filter((r) => r.data.includes("battbk")).length, "the map follows the filters");
    await browser.$("#filter-clear").click();
    await waitFor(async () => (await markerCount(browser)) === visible().length, "the map with no filter");
    const mapped = await browser.execute(() => [...document.querySelectorAll("svg.map .point")].map((g) => g.dataset.id));
    for (const id of secretIds) assert.ok(!mapped.includes(id), "a STRICTLY CONFIDENTIAL report is never mapped");
    // A cluster zooms in; a point opens its report.
    await browser.$("svg.map .cluster circle").click();
    const opened = await waitFor(async () => {
      const ids = await browser.execute(() => [...document.querySelectorAll("svg.map .point")].map((g) => g.dataset.id));
      return ids.find((id) => !mapped.includes(id));
    }, "a report that was in the cluster shown alone");
    const point = await browser.$(`svg.map .point[data-id="${opened}"] circle`);
    const pointId = opened;
    await point.click();
    await browser.$(`.review-report[data-id="${pointId}"]`).waitForExist({ timeout: 15_000 });
    await browser.$("#review-back").click();
    await browser.$("svg.map").waitForExist({ timeout: 15_000 });

    // Export: what the list shows, each row with its classification, nothing above.
    await browser.$("#tab-review").click();
    await waitTotal(browser, visible().length, "back to the list");
    await browser.$("#export-csv").click();
    const done = await browser.$("#export-done");
    await done.waitForExist({ timeout: 15_000 });
    const path = (await done.getText()).match(/(\/\S+\.csv)/)[1];
    const lines = readFileSync(path, "utf8").trim().split("\n");
    assert.equal(lines.length - 1, visible().length, "one CSV row per visible report");
    assert.ok(!lines.some((l) => l.includes("STRICTLY CONFIDENTIAL")), "no exported row above the clearance");
    for (const id of secretIds) assert.ok(!lines.some((l) => l.startsWith(id)), "the secret report is not exported");

    // The QIP pipeline: move an assessment on, see it in its new column.
    await browser.$("#tab-pipeline").click();
    await browser.$(".pipeline").waitForExist({ timeout: 15_000 });
    const card = await browser.$('.stage-column[data-stage="assessed"] .qip-card .move');
    await card.click();
    await browser.$('.stage-column[data-stage="proposed"] .qip-card').waitForExist({ timeout: 15_000 });
    await browser.saveScreenshot(join(artifacts, "review-pipeline-en.png"));

    // Open the incident, ask its author, and ask the author's unit to look for something.
    await browser.$("#tab-review").click();
    await type(browser, "#filter-text", "Tinzawaten");
    await browser.keys("Enter");
    await waitTotal(browser, 1, "the incident found");
    await browser.$(`.review-list li.report[data-id="${incidentId}"]`).click();
    await browser.$("#review-comment").waitForExist({ timeout: 15_000 });
    await type(browser, "#review-comment", QUESTION);
    await browser.$("#send-question").click();
    await waitFor(async () => (await textOf(browser, ".comment.asked")).includes(QUESTION), "the question on the report");
    assert.equal(await browser.$("#status-needs_information").getAttribute("aria-pressed"), "true", "asking sets 'needs information'");
    // Photos: thumbnails, a preview on tap, the original when it is here.
    await waitFor(async () => (await browser.$$(".review-photos img.thumb")).length === 2, "two thumbnails");
    await browser.$(".review-photos figure button").click();
    await waitFor(async () => ((await browser.$(".photo-preview").getAttribute("src")) ?? "").startsWith("blob:"), "the original shown");
    await browser.saveScreenshot(join(artifacts, "review-report-en.png"));
    await browser.$(".review-photos").scrollIntoView();
    await browser.saveScreenshot(join(artifacts, "review-report-photos-en.png"));
    await browser.$(".history").scrollIntoView();
    assert.match(await textOf(browser, ".history-table"), /Photo added/);
    assert.match(await textOf(browser, ".history-table"), /Lt\. Traoré · device/);
    await browser.saveScreenshot(join(artifacts, "review-report-history-en.png"));
    // Corroboration: the nearby incident is suggested; the reviewer confirms it is the same one.
    const suggested = await browser.$(".suggestion").getAttribute("data-id");
    await browser.$(".suggestion button.secondary").click();
    await browser.$(`.links button.link-line[data-id="${suggested}"]`).waitForExist({ timeout: 15_000 });
    assert.equal(await browser.$(`.suggestion[data-id="${suggested}"]`).isExisting(), false, "a linked report is no longer suggested");
    await browser.$("#review-back").click();
    await browser.$("#tab-ask").click();
    await browser.$("#ask-question").waitForExist({ timeout: 15_000 });
    await type(browser, "#ask-question", STANDING);
    await type(browser, "#ask-unit", "BATGAO-1");
    await browser.$("#ask-send").click();
    await browser.$("#review-comment").waitForExist({ timeout: 15_000 });

    // In French: the map, and the weekly summary cut at the clearance.
    await browser.$("#switch-lang").click();
    await browser.$("#review-back").click();
    await browser.$("#tab-map").waitForExist({ timeout: 15_000 });
    await browser.$("#tab-map").click();
    await browser.$("#filter-clear").click();
    await waitFor(async () => (await markerCount(browser)) === visible().length, "the French map with every report");
    assert.match(await textOf(browser, ".map-count"), /rapport\(s\) sur la carte/);
    await browser.saveScreenshot(join(artifacts, "review-map-fr.png"));
    await browser.$("#tab-summary").click();
    const frame = await browser.$("iframe.print-frame");
    await frame.waitForExist({ timeout: 15_000 });
    const summary = await frame.getAttribute("srcdoc");
    assert.match(summary, /Synthèse hebdomadaire/);
    assert.match(summary, /Classification : CONFIDENTIAL/, "the summary carries the highest level it includes");
    assert.ok(!summary.includes("STRICTLY CONFIDENTIAL"), "nothing above the clearance in the summary");
    assert.ok(!summary.includes("Gao airport road"), "the secret incident is not summarised");
    assert.match(summary, /Tinzawaten|Anefis/, "this week's incidents are listed");
    await browser.saveScreenshot(join(artifacts, "weekly-summary-fr.png"));

    // Released at a lower level: a copy, linked to the original, which keeps its level.
    await browser.$("#print-back").click();
    await browser.$("#tab-review").waitForExist({ timeout: 15_000 });
    await browser.$("#tab-review").click();
    await browser.$(`.review-list li.report[data-id="${incidentId}"]`).waitForExist({ timeout: 15_000 });
    await browser.$(`.review-list li.report[data-id="${incidentId}"]`).click();
    await browser.$("#declassify-UNCLASSIFIED").waitForExist({ timeout: 15_000 });
    assert.equal(await browser.$("#declassify-CONFIDENTIAL").isExisting(), false, "only lower levels are offered");
    await browser.$("#declassify-UNCLASSIFIED").click();
    await waitFor(async () => {
      const shown = await browser.$(".review-report").getAttribute("data-id");
      return shown && shown !== incidentId;
    }, "the copy opened");
    assert.match(await textOf(browser, ".report-meta"), /Non classifié/i);
    assert.match(await textOf(browser, ".links"), /Copie déclassifiée de/);
    assert.equal(await browser.$("#declassify-UNCLASSIFIED").isExisting(), false, "nothing lower to release at");
    await browser.saveScreenshot(join(artifacts, "review-declassified-fr.png"));
  } finally {
    await reviewerApp.stop();
  }
  // The report above the reviewer's clearance can never leave its device:
  // the sync says so, and fails with its own exit code, every other item sent.
  syncRefusingTheSecret();
  outpost(author, "sync");

  // The author's tablet: the question on the report, the standing question on home.
  const tablet = new App(author);
  browser = await tablet.start();
  try {
    await browser.$(".standing-question").waitForExist({ timeout: 30_000 });
    assert.match(await textOf(browser, ".standing-questions"), /Anefis well/);
    assert.equal(await browser.$(".hint").isExisting(), false, "every report of the tablet is listed (the question is not one of them)");
    assert.ok((await textOf(browser, ".news")).length > 0, "the tablet says headquarters has news");
    // The first screen after launch: let it paint before the picture.
    await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
    await browser.saveScreenshot(join(artifacts, "home-standing-question-en.png"));
    await browser.$(`li.report[data-id="${incidentId}"]`).click();
    await waitFor(async () => (await textOf(browser, ".comment.asked")).includes(QUESTION), "the question on the tablet");
    assert.match(await textOf(browser, ".comment.asked"), /Question from headquarters/);
    await type(browser, "#reply", ANSWER);
    await browser.$("#send-reply").click();
    await waitFor(async () => (await textOf(browser, ".comment-thread")).includes(ANSWER), "the answer on the tablet");
    await browser.$("#to-home").click();
    await browser.$(".standing-question").click();
    await browser.$("#reply").waitForExist({ timeout: 15_000 });
    await type(browser, "#reply", STANDING_ANSWER);
    await browser.$("#send-reply").click();
    await waitFor(async () => (await textOf(browser, ".comment-thread")).includes(STANDING_ANSWER), "the unit's answer");
    await browser.saveScreenshot(join(artifacts, "standing-question-answered-en.png"));
  } finally {
    await tablet.stop();
  }
  // Another unit's tablet never receives the standing question.
  const other = tempDir("other");
  outpost(other, "enrol", "--hub", hub.url, "--code", hub.code("BATKDL-9", "field", "STRICTLY CONFIDENTIAL", "North"));
  outpost(other, "sync");
  assert.ok(!outpost(other, "report", "list").includes("Anefis well"), "the question went to its unit only");
  outpost(author, "sync");
  syncRefusingTheSecret();

  // Back at headquarters: both answers are there.
  const again = new App(hq);
  browser = await again.start();
  try {
    await browser.$("#to-review").waitForExist({ timeout: 30_000 });
    await browser.$("#to-review").click();
    await type(browser, "#filter-text", "Tinzawaten");
    await browser.keys("Enter");
    await waitTotal(browser, 2, "the incident again, and its declassified copy");
    await browser.$(`.review-list li.report[data-id="${incidentId}"]`).click();
    await waitFor(async () => (await textOf(browser, ".comment-thread")).includes(ANSWER), "the author's answer at headquarters");
    await browser.$("#review-back").click();
    await browser.$("#filter-kind").waitForExist({ timeout: 15_000 });
    await browser.$("#filter-clear").click();
    await browser.$("#filter-kind").selectByAttribute("value", "standing_question");
    await waitTotal(browser, 1, "the standing question");
    await browser.$(".review-list li.report").click();
    await waitFor(async () => (await textOf(browser, ".comment-thread")).includes(STANDING_ANSWER), "the unit's answer at headquarters");
  } finally {
    await again.stop();
  }
});
