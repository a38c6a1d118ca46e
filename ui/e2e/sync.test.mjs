// End to end: the tablet enrols with a real hub from the sync screen, sends
// its report, and headquarters' review — a question and a status — comes
// back to the report on the tablet with a notification; the author's answer
// goes back up.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { App, Hub, artifacts, outpost, tempDir, textOf, type, waitFor } from "./app.mjs";

const QUESTION = "Combien de véhicules sur la crête ? Précisez la direction.";
const ANSWER = "Deux pick-up, partis vers le nord-est.";
let hub;
let app;
let browser;
let hq;
let reportId;

async function syncFromScreen(budget) {
  await browser.$("#to-sync").click();
  await browser.$("#sync-now").waitForExist({ timeout: 15_000 });
  await browser.$(`#budget-${budget}`).click();
  await browser.$("#sync-now").click();
  await waitFor(async () => (await browser.$(".sync-screen").getAttribute("data-synced")) === "1", "the sync done", 60_000);
}

before(async () => {
  hub = new Hub();
  await hub.start();
  const tablet = tempDir("tablet");
  const answers = join(tablet, "..", `answers-${Date.now()}.json`);
  writeFileSync(answers, outpost(tablet, "report", "template", "--kind", "patrol"));
  reportId = outpost(
    tablet, "report", "create", "--kind", "patrol", "--answers", answers,
    "--author", "Lt. Traoré", "--unit", "BATGAO-1", "--lang", "fr",
  ).trim();
  hq = tempDir("hq");
  outpost(hq, "enrol", "--hub", hub.url, "--code", hub.code("JOC", "hq", "STRICTLY CONFIDENTIAL"));
  app = new App(tablet);
  browser = await app.start();
  await browser.$("#new-report").waitForExist({ timeout: 30_000 });
});

after(async () => {
  await app?.stop();
  hub?.stop();
});

test("the tablet enrols with a code, syncs with progress, and shows what moved", async () => {
  await browser.$("#to-sync").click();
  await type(browser, "#hub-url", hub.url);
  // The mission authority by its fingerprint: the device takes it from the
  // hub only if it matches, and pins it.
  await type(browser, "#hub-ca", hub.fingerprint());
  await type(browser, "#enrol-code", "not-a-code");
  await browser.$("#enrol").click();
  const refused = await waitFor(async () => (await browser.$(".sync-message").getAttribute("data-code")) || null, "a refusal");
  assert.equal(refused, "enrol.unknown_code");
  assert.match(await textOf(browser, ".sync-message"), /not known to the hub/);

  await type(browser, "#enrol-code", hub.code("BATGAO-1", "field", "CONFIDENTIAL"));
  await browser.$("#enrol").click();
  await browser.$("#sync-now").waitForExist({ timeout: 30_000 });
  assert.equal(await textOf(browser, ".hub-url"), hub.url);

  await syncFromScreen("wifi");
  assert.equal(await browser.$('tr.stage[data-stage="documents"]').getAttribute("data-state"), "done");
  assert.equal(await textOf(browser, 'tr.stage[data-stage="documents"] .stage-items'), "1 sent · 0 received");
  assert.match(await textOf(browser, ".totals"), /^Sent \d+(\.\d)? (B|KB), received/);
  await browser.saveScreenshot(join(artifacts, "sync-en.png"));

  await browser.$("#to-home-bar").click();
  const item = await browser.$(`li.report[data-id="${reportId}"]`);
  await item.waitForExist({ timeout: 15_000 });
  assert.equal(await item.$(".delivery").getText(), "At hub");
});

test("a question and a status from headquarters reach the report, with a notification; the answer goes back", async () => {
  outpost(hq, "sync");
  outpost(hq, "report", "comment", reportId, "--text", QUESTION, "--author", "Maj. Okafor (JOC)");
  outpost(hq, "report", "review", reportId, "--status", "needs_information");
  outpost(hq, "sync");

  await syncFromScreen("satellite");
  await browser.$("#to-home-bar").click();
  await waitFor(async () => (await textOf(browser, ".news")) === "1 report(s) have news from headquarters", "the notification");
  const item = await browser.$(`li.report[data-id="${reportId}"]`);
  assert.equal(await item.$(".status").getText(), "Needs information");
  assert.equal(await item.$(".news-badge").getText(), "News from HQ");
  await browser.saveScreenshot(join(artifacts, "home-news-en.png"));

  await item.click();
  await browser.$("section.report-screen").waitForExist({ timeout: 15_000 });
  const comment = await browser.$(".comment.theirs .comment-text");
  assert.equal(await comment.getText(), QUESTION);
  await type(browser, "#reply", ANSWER);
  await browser.$("#send-reply").click();
  await waitFor(async () => (await browser.$$(".comment.mine").length) === 1, "the answer on the report");
  await browser.saveScreenshot(join(artifacts, "report-comments-en.png"));

  // Seen now: the notification is gone.
  await browser.$("#to-home").click();
  await browser.$(`li.report[data-id="${reportId}"]`).waitForExist({ timeout: 15_000 });
  assert.equal(await browser.$(".news").isExisting(), false);

  await syncFromScreen("documents");
  outpost(hq, "sync");
  const atHq = JSON.parse(outpost(hq, "report", "show", reportId, "--json"));
  assert.deepEqual(
    atHq.comments.map((c) => c.text),
    [QUESTION, ANSWER],
    "headquarters has the question and the answer, in order",
  );
});
