// End to end: the real Outpost app under Xvfb, driven through WebDriver
// (tauri-driver + WebKitWebDriver), on a real store filled by the command line.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { remote } from "webdriverio";

const root = resolve(import.meta.dirname, "../..");
const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const app = join(target, "debug", "outpost-app");
const cli = join(target, "debug", "outpost");
const artifacts = join(root, "tests", "artifacts");
const port = 4444 + Math.floor(Math.random() * 1000);

let driver;
let browser;

async function waitFor(fn, what, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  const data = mkdtempSync(join(tmpdir(), "outpost-e2e-"));
  execFileSync(cli, ["--data", data, "demo"], { stdio: "ignore" });
  // A fresh home for the webview's own storage: language and sunlight mode
  // chosen in an earlier run must not leak into this one.
  const home = mkdtempSync(join(tmpdir(), "outpost-e2e-home-"));
  driver = spawn("tauri-driver", ["--port", String(port)], {
    env: {
      ...process.env,
      OUTPOST_DATA: data,
      LANG: "en_US.UTF-8",
      XDG_DATA_HOME: join(home, "data"),
      XDG_CACHE_HOME: join(home, "cache"),
      XDG_CONFIG_HOME: join(home, "config"),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  // tauri-driver is ready when its port answers.
  await waitFor(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      return r.ok;
    } catch {
      return false;
    }
  }, "tauri-driver");
  browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    capabilities: { "tauri:options": { application: app } },
  });
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  // SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver too.
  driver?.kill("SIGTERM");
});

test("home lists the reports on the device, with where each stands", async () => {
  const items = await waitFor(async () => {
    const found = await browser.$$("li.report");
    return found.length === 3 ? found : null;
  }, "three reports on home");
  assert.equal(items.length, 3);
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
