// End to end: the lock screen. A new device sets a PIN (typed twice); the app
// locks on demand and after the idle time; a wrong PIN is refused with its
// message in the person's language; "Wipe this device" then "Wipe now"
// destroys the key and the data.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { App, artifacts, outpost, PIN, tempDir, textOf, waitFor } from "./app.mjs";

let app;

after(async () => {
  await app?.stop();
});

const screenOf = (browser) => browser.$("main").getAttribute("data-screen");

/** Waits for two frames, so that a screenshot shows what the page now holds. */
const painted = (browser) => browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));

test("a new device asks for a PIN twice and opens on it", async () => {
  const data = tempDir("lock");
  app = new App(data);
  const browser = await app.start({ locked: true });
  await browser.$("#pin-again").waitForExist({ timeout: 30_000 });
  assert.equal(await browser.$("h1").getText(), "Protect this device");
  // The first frame of a new window may not be painted yet.
  await browser.pause(500);
  await browser.saveScreenshot(join(artifacts, "lock-set-up-en.png"));

  // Two different entries: nothing is set up.
  await browser.$("#pin").setValue("135790");
  await browser.$("#pin-again").setValue("135791");
  await browser.$("#unlock").click();
  await waitFor(async () => (await textOf(browser, "#lock-error")).includes("differ"), "the mismatch message");
  assert.ok(!existsSync(join(data, "outpost.key")), "no key from a mismatched PIN");

  // Too short: the store says so.
  await browser.$("#pin").setValue("1234");
  await browser.$("#pin-again").setValue("1234");
  await browser.$("#unlock").click();
  await waitFor(
    async () => (await browser.$("#lock-error").getAttribute("data-code")) === "store.passphrase_too_short",
    "the too-short message",
  );

  await app.unlock(PIN);
  assert.equal(await screenOf(browser), "home");
  assert.ok(existsSync(join(data, "outpost.key")), "the key is made");
  await app.stop();
  app = null;
});

test("lock and unlock in both languages; a wrong PIN is refused", async () => {
  const data = tempDir("lock");
  outpost(data, "demo", "--reports", "3");
  app = new App(data);
  const browser = await app.start();
  await waitFor(async () => (await browser.$$("li.report")).length === 3, "three reports on home");

  await browser.$("#lock-now").click();
  await waitFor(async () => (await screenOf(browser)) === "lock", "the lock screen");
  assert.equal(await browser.$("h1").getText(), "Outpost is locked");
  assert.equal((await browser.$$("li.report")).length, 0, "nothing of the reports shows while locked");
  await painted(browser);
  await browser.saveScreenshot(join(artifacts, "lock-en.png"));

  await browser.$("#pin").setValue("000000");
  await browser.$("#unlock").click();
  await waitFor(
    async () => (await browser.$("#lock-error").getAttribute("data-code")) === "store.wrong_passphrase",
    "the wrong-PIN message",
  );
  assert.match(await textOf(browser, "#lock-error"), /Wrong PIN or passphrase\. 4 attempts left/);
  await painted(browser);
  await browser.saveScreenshot(join(artifacts, "lock-wrong-en.png"));

  await browser.$("#lock-lang").click();
  await waitFor(async () => (await browser.$("h1").getText()) === "Outpost est verrouillé", "the French lock screen");
  await browser.$("#pin").setValue("111111");
  await browser.$("#unlock").click();
  await waitFor(async () => (await textOf(browser, "#lock-error")).includes("erroné"), "the French wrong-PIN message");
  await painted(browser);
  await browser.saveScreenshot(join(artifacts, "lock-fr.png"));

  await app.unlock(PIN);
  await waitFor(async () => (await browser.$$("li.report")).length === 3, "the reports again");
  assert.equal(await browser.$("h1").getText(), "Mes rapports");
  await app.stop();
  app = null;
});

test("the app locks itself after the idle time", async () => {
  const data = tempDir("lock");
  outpost(data, "demo", "--reports", "1");
  process.env.OUTPOST_LOCK_AFTER = "3";
  try {
    app = new App(data);
    const browser = await app.start();
    await waitFor(async () => (await browser.$$("li.report")).length === 1, "the report on home");
    await waitFor(async () => (await screenOf(browser)) === "lock", "the idle lock", 20_000);
    assert.equal((await browser.$$("li.report")).length, 0);
  } finally {
    delete process.env.OUTPOST_LOCK_AFTER;
  }
  await app.stop();
  app = null;
});

test("wipe this device takes two taps and leaves nothing", async () => {
  const data = tempDir("lock");
  outpost(data, "demo", "--reports", "2");
  app = new App(data);
  const browser = await app.start({ locked: true });
  await browser.$("#wipe").waitForExist({ timeout: 30_000 });
  await browser.$("#wipe").click();
  await browser.$("#wipe-now").waitForExist({ timeout: 5_000 });
  assert.match(await textOf(browser, ".wipe-warning"), /destroys the key/);
  await painted(browser);
  await browser.saveScreenshot(join(artifacts, "lock-wipe-confirm-en.png"));
  await browser.$("#wipe-now").click();
  await waitFor(async () => (await textOf(browser, "#wiped")) !== "", "the wiped message");
  assert.deepEqual(readdirSync(data), [], "no key and no data left");
  // The device can be set up again from nothing.
  assert.ok(await browser.$("#pin-again").isExisting(), "a new PIN is asked for");
  assert.ok(!(await browser.$("#wipe").isExisting()), "nothing left to wipe");
  await painted(browser);
  await browser.saveScreenshot(join(artifacts, "lock-wiped-en.png"));
});
