// Starting, stopping and killing the real Outpost app under WebDriver
// (tauri-driver + WebKitWebDriver), each run on its own store and its own
// webview storage, plus the command-line tools the tests drive it with.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { connect, createServer } from "node:net";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { remote } from "webdriverio";

export const root = resolve(import.meta.dirname, "../..");
const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
export const bin = (name) => join(target, "debug", name);
export const artifacts = join(root, "tests", "artifacts");
mkdirSync(artifacts, { recursive: true });

/**
 * The PIN of every store in these tests: the command line and the hub read it
 * from the environment, the app is given it on its lock screen.
 */
export const PIN = "246810";
process.env.OUTPOST_PASSPHRASE = PIN;

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `outpost-e2e-${prefix}-`));
}

/** Runs the `outpost` command line on a store; returns its standard output. */
export function outpost(data, ...args) {
  return execFileSync(bin("outpost"), ["--data", data, ...args], { encoding: "utf8" });
}

export async function waitFor(fn, what, ms = 30_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The debrief step on the screen (its id), once one is drawn. */
export async function debriefStep(browser) {
  return waitFor(async () => {
    const s = await browser.$("section.debrief");
    return (await s.isExisting()) && (await s.getAttribute("data-step"));
  }, "a debrief step");
}

/** "Next", then waits for step `expected`. */
export async function nextStep(browser, expected) {
  await browser.$("#step-next").click();
  await waitFor(async () => (await debriefStep(browser)) === expected, `step ${expected}`);
}

/** Waits until the last answer is saved. */
export async function answerSaved(browser) {
  await waitFor(async () => (await browser.$(".save-state").getAttribute("data-state")) === "saved", "the answer saved");
}

/** Whether something accepts connections on `port` (plain or TLS alike). */
function portAnswers(port) {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      done(true);
    });
    socket.on("error", () => done(false));
  });
}

/**
 * A port for a child server, known free: the system picks it for a socket
 * bound here, which is closed just before the child binds it.
 */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * The app on store `data`, in a webview whose own storage lives in `home`
 * (the same `home` on a restart, as on a real device).
 */
export class App {
  constructor(data, home = tempDir("home"), lang = "en_US.UTF-8") {
    this.data = data;
    this.home = home;
    this.lang = lang;
  }

  /** Starts the app and unlocks it with the tests' PIN (unless `locked`). */
  async start({ locked = false } = {}) {
    await this.launch();
    if (!locked) await this.unlock();
    return this.browser;
  }

  /** Types the PIN on the lock screen (twice, the first time) and waits for the app. */
  async unlock(pin = PIN) {
    const browser = this.browser;
    const field = await browser.$("#pin");
    await field.waitForExist({ timeout: 30_000 });
    await field.setValue(pin);
    const again = await browser.$("#pin-again");
    if (await again.isExisting()) await again.setValue(pin);
    await browser.$("#unlock").click();
    await waitFor(async () => (await browser.$("main").getAttribute("data-screen")) !== "lock", "the app unlocked");
  }

  async launch() {
    this.port = await freePort();
    // WebKitWebDriver's own port too: a fixed one would meet whatever else
    // listens there.
    const nativePort = await freePort();
    this.startedAt = performance.now();
    this.driver = spawn("tauri-driver", ["--port", String(this.port), "--native-port", String(nativePort)], {
      env: {
        ...process.env,
        OUTPOST_DATA: this.data,
        LANG: this.lang,
        XDG_DATA_HOME: join(this.home, "data"),
        XDG_CACHE_HOME: join(this.home, "cache"),
        XDG_CONFIG_HOME: join(this.home, "config"),
        OUTPOST_EXPORTS: join(this.home, "exports"),
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitFor(() => portAnswers(this.port), "tauri-driver");
    this.browser = await remote({
      hostname: "127.0.0.1",
      port: this.port,
      logLevel: "error",
      capabilities: { "tauri:options": { application: bin("outpost-app") } },
    });
  }

  /** Pids of this app's processes (the app runs on store `data`). */
  pids() {
    const found = [];
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        const env = readFileSync(`/proc/${pid}/environ`, "utf8");
        if (cmd.startsWith(bin("outpost-app")) && env.split("\0").includes(`OUTPOST_DATA=${this.data}`)) {
          found.push(Number(pid));
        }
      } catch {
        // A process that ended while we looked.
      }
    }
    return found;
  }

  /**
   * Ends the session politely (the window closes), then makes sure the app is
   * gone: a straggler would hold the test runner's output open for ever.
   */
  async stop() {
    await this.browser?.deleteSession().catch(() => {});
    // SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver too.
    this.driver?.kill("SIGTERM");
    const end = Date.now() + 5_000;
    while (this.pids().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    for (const pid of this.pids()) process.kill(pid, "SIGKILL");
  }

  /** SIGKILLs the app process, as a crash or a dead battery would stop it. */
  async kill() {
    const pids = this.pids();
    if (pids.length === 0) throw new Error("no app process to kill");
    for (const pid of pids) process.kill(pid, "SIGKILL");
    await this.stop();
  }
}

/**
 * A real hub on loopback, on its own store, serving HTTPS with its own
 * mission authority (made by `outpost-hub init-tls`).
 */
export class Hub {
  constructor() {
    this.data = tempDir("hub");
    execFileSync(bin("outpost-hub"), ["init-tls", "--data", this.data, "--name", "127.0.0.1"], { encoding: "utf8" });
    this.caFile = join(this.data, "tls", "mission-ca.pem");
    this.caPem = readFileSync(this.caFile, "utf8");
  }

  /** Starts the hub; a restart keeps its address, as devices know it. */
  async start() {
    if (this.port === undefined) {
      this.port = await freePort();
      this.url = `https://127.0.0.1:${this.port}`;
    }
    this.process = spawn(bin("outpost-hub"), ["serve", "--data", this.data, "--listen", `127.0.0.1:${this.port}`], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitFor(() => portAnswers(this.port), "the hub");
  }

  /**
   * A one-time enrolment card: the code with the mission authority's
   * fingerprint (`outpost-enrol:CODE:FINGERPRINT`), as the operator gives it.
   */
  code(unit, role, clearance, sector = "Gao") {
    const made = spawnSync(
      bin("outpost-hub"),
      ["enrol", "--data", this.data, "--unit", unit, "--sector", sector, "--role", role, "--clearance", clearance],
      { encoding: "utf8" },
    );
    if (made.status !== 0) throw new Error(`outpost-hub enrol failed: ${made.stderr}`);
    const card = made.stderr.split(/\s+/).find((w) => w.startsWith("outpost-enrol:"));
    if (!card) throw new Error(`no enrolment card in: ${made.stderr}`);
    return card;
  }

  /** The mission authority's fingerprint, as a person would type it. */
  fingerprint() {
    return this.code("FINGERPRINT", "field", "UNCLASSIFIED").split(":").at(-1);
  }

  stop() {
    this.process?.kill("SIGTERM");
  }
}

/** Text of an element, or "" if it is not there (yet). */
export async function textOf(browser, selector) {
  const e = await browser.$(selector);
  return (await e.isExisting()) ? await e.getText() : "";
}

/** Types into a field as a person would (clearing it first). */
export async function type(browser, selector, text) {
  const input = await browser.$(selector);
  await input.waitForExist({ timeout: 15_000 });
  // Clear of the sticky step buttons at the bottom of the screen.
  await input.scrollIntoView({ block: "center" });
  await input.click();
  await input.clearValue();
  if (text !== "") await input.addValue(text);
}
