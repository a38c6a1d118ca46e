// Figures for the field app, printed, never asserted on: cold start to an
// interactive home, answer to durable save, and memory with 1,000 and 10,000
// reports in the store. Ratios are compared within this one run.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { after, test } from "node:test";
import { App, Hub, bin, outpost, tempDir, type, waitFor } from "./app.mjs";

let app;

after(async () => {
  await app?.stop();
});

/** Resident memory of the app and every process under it (the webview's), in MiB. */
function memoryMiB(data) {
  const procs = new Map();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const env = cmd.startsWith(bin("outpost-app")) ? readFileSync(`/proc/${pid}/environ`, "utf8") : "";
      procs.set(Number(pid), { ppid, rss, mine: env.split("\0").includes(`OUTPOST_DATA=${data}`) });
    } catch {
      // gone
    }
  }
  const roots = [...procs].filter(([, p]) => p.mine).map(([pid]) => pid);
  const seen = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!seen.has(pid) && seen.has(p.ppid)) {
        seen.add(pid);
        grew = true;
      }
    }
  }
  // WebKit's web and network processes are started through a helper and may
  // not descend from the app; count them by name when they do not.
  for (const [pid] of procs) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (/WebKit(Web|Network)Process/.test(cmd)) seen.add(pid);
    } catch {
      // gone
    }
  }
  const app = roots.reduce((s, pid) => s + procs.get(pid).rss, 0) / 1024;
  const all = [...seen].reduce((s, pid) => s + (procs.get(pid)?.rss ?? 0), 0) / 1024;
  return { app, all };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("cold start and memory with 1,000 and 10,000 reports; answer to durable save", async () => {
  const rows = [];
  for (const n of [1000, 10000]) {
    const data = tempDir(`figures-${n}`);
    outpost(data, "demo", "--reports", String(n));
    app = new App(data);
    const browser = await app.start();
    await waitFor(async () => (await browser.$$("li.report").length) > 0, "home listed", 120_000);
    const interactive = performance.now() - app.startedAt;
    await new Promise((r) => setTimeout(r, 1500));
    const mem = memoryMiB(data);
    rows.push({ n, interactive, ...mem });

    if (n === 1000) {
      // Answer to durable save, as typed: keystroke to the store's commit.
      await browser.$("#new-report").click();
      await browser.$("#start-patrol").click();
      const typed = [];
      for (let i = 0; i < 8; i++) {
        await type(browser, "#answer-patrol_unit", `BATGAO-${i}`);
        await waitFor(
          async () => (await browser.$(".save-state").getAttribute("data-state")) === "saved",
          "saved",
        );
        typed.push(Number(await browser.$(".save-state").getAttribute("data-latency-ms")));
        await new Promise((r) => setTimeout(r, 100));
      }
      // The command alone (validation + automerge change + SQLite commit
      // with synchronous=FULL), called from the page 40 times.
      const id = await browser.$("section.debrief").getAttribute("data-step");
      assert.equal(id, "who");
      const command = await browser.executeAsync((done) => {
        const invoke = window.__TAURI_INTERNALS__.invoke;
        (async () => {
          const state = await invoke("app_state", { lang: "en" });
          const report = state.resume.report_id;
          const times = [];
          for (let i = 0; i < 40; i++) {
            const t0 = performance.now();
            await invoke("save_answer", { id: report, field: "route", value: `Gao – Ansongo ${i}`, lang: "en" });
            times.push(performance.now() - t0);
          }
          done(times);
        })();
      });
      console.log(
        `figure: answer to durable save, as typed (pause ${400} ms included): median ${median(typed).toFixed(0)} ms; ` +
          `save command alone: median ${median(command).toFixed(1)} ms, max ${Math.max(...command).toFixed(1)} ms (${command.length} saves)`,
      );
    }
    await app.stop();
    app = null;
  }
  for (const r of rows) {
    console.log(
      `figure: ${r.n} reports: home interactive ${r.interactive.toFixed(0)} ms after launch; memory ${r.app.toFixed(0)} MiB app + webview = ${r.all.toFixed(0)} MiB`,
    );
  }
  console.log(
    `figure: 10,000 vs 1,000 reports: start ${(rows[1].interactive / rows[0].interactive).toFixed(2)}x, memory ${(rows[1].all / rows[0].all).toFixed(2)}x`,
  );
});

test("review screens with 1,000 and 10,000 reports: list, map, and the commands behind them", async () => {
  const hub = new Hub();
  await hub.start();
  const rows = [];
  try {
    for (const n of [1000, 10000]) {
      const data = tempDir(`review-figures-${n}`);
      outpost(data, "demo", "--reports", String(n));
      outpost(data, "enrol", "--hub", hub.url, "--code", hub.code("JOC", "hq", "STRICTLY CONFIDENTIAL", "HQ"));
      app = new App(data);
      const browser = await app.start();
      await browser.$("#to-review").waitForExist({ timeout: 60_000 });
      let t0 = performance.now();
      await browser.$("#to-review").click();
      await browser.$(".review-list").waitForExist({ timeout: 60_000 });
      const list = performance.now() - t0;
      t0 = performance.now();
      await browser.$("#tab-map").click();
      await browser.$("svg.map .markers > g").waitForExist({ timeout: 60_000 });
      const map = performance.now() - t0;
      const commands = await browser.executeAsync((done) => {
        const invoke = window.__TAURI_INTERNALS__.invoke;
        (async () => {
          const time = async (f) => {
            const times = [];
            for (let i = 0; i < 7; i++) {
              const t = performance.now();
              await f();
              times.push(performance.now() - t);
            }
            return times.sort((a, b) => a - b)[3];
          };
          done({
            list: await time(() => invoke("review_list", { query: {}, lang: "en" })),
            search: await time(() => invoke("review_list", { query: { text: "convoy" }, lang: "en" })),
            points: await time(() => invoke("review_points", { query: {}, lang: "en" })),
          });
        })();
      });
      rows.push({ n, list, map, ...Object.fromEntries(Object.entries(commands).map(([k, v]) => [`cmd_${k}`, v])) });
      await app.stop();
      app = null;
    }
  } finally {
    hub.stop();
  }
  for (const r of rows) {
    console.log(
      `figure: review with ${r.n} reports: list drawn ${r.list.toFixed(0)} ms after the click, map ${r.map.toFixed(0)} ms; ` +
        `commands (median of 7): list+counts ${r.cmd_list.toFixed(1)} ms, full-text list ${r.cmd_search.toFixed(1)} ms, all map points ${r.cmd_points.toFixed(1)} ms`,
    );
  }
  console.log(
    `figure: review 10,000 vs 1,000 reports: list screen ${(rows[1].list / rows[0].list).toFixed(2)}x, map screen ${(rows[1].map / rows[0].map).toFixed(2)}x, map points command ${(rows[1].cmd_points / rows[0].cmd_points).toFixed(2)}x`,
  );
  assert.equal(rows.length, 2);
});
