// End to end: home on a store filled by the command line, in both languages
// and in sunlight mode.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { App, artifacts, outpost, tempDir, waitFor } from "./app.mjs";

let app;
let browser;

before(async () => {
  const data = tempDir("home");
  outpost(data, "demo");
  app = new App(data);
  browser = await app.start();
});

after(async () => {
  await app?.stop();
});

test("home lists the reports on the device, with where each stands", async () => {
  const items = await waitFor(async () => {
    const found = await browser.$$("li.report");
    return found.length === 3 ? found : null;
  }, "three reports on home");
  assert.equal(items.length, 3);
  // Cold start to interactive: from launching the driver to the list drawn.
  const ready = Number(await browser.$("body").getAttribute("data-ready"));
  console.log(`figure: webview ready ${ready.toFixed(0)} ms after page load; home interactive ${(performance.now() - app.startedAt).toFixed(0)} ms after launch`);
  const delivery = await browser.$("li.report .delivery").getText();
  assert.equal(delivery, "Only on this device");
  const sync = await browser.$(".sync-line").getText();
  assert.equal(sync, "Not enrolled with a hub");
  await browser.saveScreenshot(join(artifacts, "home-en.png"));
});

test("switching to French keeps the screen and translates it", async () => {
  await browser.$("#switch-lang").click();
  await waitFor(async () => (await browser.$("h1").getText()) === "Mes rapports", "the French title");
  assert.equal((await browser.$$("li.report")).length, 3, "the same reports are shown");
  const kinds = await browser.$$("li.report .kind").map((k) => k.getText());
  assert.ok(kinds.includes("PATROUILLE") || kinds.includes("Patrouille"), `French kinds: ${kinds}`);
  await browser.$("#switch-contrast").click();
  await waitFor(async () => (await browser.$("html").getAttribute("class"))?.includes("sunlight"), "sunlight mode");
  // The screen is redrawn once the data is back: wait for the new toolbar.
  await waitFor(async () => (await browser.$("#switch-contrast").getText()) === "Mode normal", "the redrawn toolbar");
  assert.equal(await browser.$("h1").getText(), "Mes rapports", "still in French");
  await browser.saveScreenshot(join(artifacts, "home-fr-sunlight.png"));
});

test("the desktop layout at 1920×1080 uses the width without stretching lines", async () => {
  await browser.setWindowSize(1920, 1080);
  await waitFor(async () => (await browser.execute(() => window.innerWidth)) >= 1800, "the wider window");
  const list = await browser.$("ul.reports").getSize();
  assert.ok(list.width <= 1200, `the list keeps a readable width (${list.width} px)`);
  await browser.saveScreenshot(join(artifacts, "home-fr-sunlight-1920.png"));
  await browser.setWindowSize(1280, 800);
});
