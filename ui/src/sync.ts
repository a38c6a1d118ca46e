// The sync screen: who this device is, which hub it is enrolled with, the
// link budget, and a sync with items and bytes moving by class; afterwards
// what is still waiting, and why, in the person's words.
import { api, asAppError, type Pending, type Stage, type SyncProgress, type SyncReport, type SyncStatus } from "./api";
import { button, el } from "./dom";
import { label } from "./home";
import { ago, type Key, type Lang, t } from "./i18n";

export type Budget = "wifi" | "satellite" | "documents";

/** Which classes of files a budget sends (documents always go). */
export const BUDGET_CLASSES: Record<Budget, Stage[]> = {
  wifi: ["documents", "thumbnails", "previews", "originals"],
  satellite: ["documents", "thumbnails"],
  documents: ["documents"],
};

export function bytes(lang: Lang, n: number): string {
  if (n < 1024) return t(lang, "unit.bytes", { n });
  if (n < 1024 * 1024) return t(lang, "unit.kb", { n: (n / 1024).toFixed(n < 10 * 1024 ? 1 : 0) });
  return t(lang, "unit.mb", { n: (n / (1024 * 1024)).toFixed(1) });
}

/** What is still waiting after a sync and why, one sentence each. */
export function waitingReasons(lang: Lang, budget: Budget, w: SyncReport["waiting"]): string[] {
  const out: string[] = [];
  const sends = (s: Stage) => BUDGET_CLASSES[budget].includes(s);
  if (w.documents > 0) out.push(t(lang, "wait.documents", { n: w.documents }));
  const classes: [Stage, number][] = [
    ["thumbnails", w.thumbnails_up],
    ["previews", w.previews_up],
    ["originals", w.originals_up],
  ];
  for (const [stage, n] of classes) {
    if (n === 0) continue;
    const what = t(lang, `stage.${stage}` as Key).toLowerCase();
    out.push(
      sends(stage)
        ? t(lang, "wait.budget_spent", { n, what })
        : t(lang, "wait.not_in_budget", { n, what, budget: t(lang, `budget.${budget}` as Key) }),
    );
  }
  if (w.blobs_down > 0) out.push(t(lang, "wait.to_receive", { n: w.blobs_down }));
  return out;
}

function pendingLine(lang: Lang, p: Pending): string {
  const files = p.thumbnails_up + p.previews_up + p.originals_up;
  if (p.documents === 0 && files === 0 && p.files_down === 0) return t(lang, "sync.all_at_hub");
  return t(lang, "sync.pending", { docs: p.documents, files, size: bytes(lang, p.bytes_up) });
}

export function renderSync(root: HTMLElement, lang: Lang, status: SyncStatus, onChanged: () => void): void {
  const screen = el("section", "sync-screen");
  screen.append(el("h1", "question", t(lang, "syncscreen.title")));

  // Who signs the reports from this device: asked first on a new device,
  // kept at the foot of the screen once it syncs.
  const who = el("div", "field");
  const whoLabel = el("label", "field-label", t(lang, "syncscreen.author"));
  whoLabel.htmlFor = "author";
  const author = el("input", "answer");
  author.id = "author";
  author.value = status.author;
  author.addEventListener("change", () => void api.setAuthor(author.value, lang));
  who.append(whoLabel, author);
  if (!status.hub) screen.append(who);

  const message = el("div", "sync-message");
  message.setAttribute("role", "alert");

  if (!status.hub) {
    const form = el("div", "enrol");
    form.append(el("h2", "", t(lang, "syncscreen.enrol_title")), el("p", "hint", t(lang, "syncscreen.enrol_help")));
    const url = el("input", "answer");
    url.id = "hub-url";
    url.placeholder = "https://hub.example:8443";
    const code = el("input", "answer");
    code.id = "enrol-code";
    code.autocapitalize = "characters";
    const ca = el("textarea", "answer");
    ca.id = "hub-ca";
    ca.rows = 3;
    ca.placeholder = "-----BEGIN CERTIFICATE-----  /  AB:CD:…";
    for (const [input, key] of [
      [url, "syncscreen.hub_url"],
      [code, "syncscreen.code"],
      [ca, "syncscreen.ca"],
    ] as const) {
      const l = el("label", "field-label", t(lang, key));
      l.htmlFor = input.id;
      form.append(l, input);
    }
    form.append(
      button(t(lang, "syncscreen.enrol"), "primary", async () => {
        message.textContent = t(lang, "syncscreen.enrolling");
        try {
          await api.enrol(url.value, code.value, ca.value || null, lang);
          onChanged();
        } catch (e) {
          const err = asAppError(e);
          message.dataset.code = err.code;
          message.textContent = err.message;
        }
      }, "enrol"),
    );
    screen.append(form, message);
    root.replaceChildren(screen);
    return;
  }

  const hub = status.hub;
  const info = el("div", "hub-info");
  info.append(
    el("p", "hub-url", hub.url),
    el(
      "p",
      "hint",
      t(lang, "syncscreen.enrolled_as", {
        unit: hub.unit,
        sector: hub.sector || "—",
        clearance: label(lang, `class.${hub.clearance}`, hub.clearance),
      }),
    ),
    el(
      "p",
      "last-sync",
      hub.last_sync_at === null ? t(lang, "sync.never") : t(lang, "sync.last", { when: ago(lang, hub.last_sync_at, Date.now()) }),
    ),
    el("p", "pending-line", pendingLine(lang, status.pending)),
  );

  let budget = (localStorage.getItem("outpost.budget") as Budget) || "wifi";
  const budgets = el("div", "options budgets");
  budgets.setAttribute("role", "radiogroup");
  for (const b of ["wifi", "satellite", "documents"] as Budget[]) {
    const choice = button("", "option budget", () => {
      budget = b;
      localStorage.setItem("outpost.budget", b);
      for (const o of budgets.querySelectorAll(".option")) o.setAttribute("aria-pressed", String(o === choice));
    });
    choice.id = `budget-${b}`;
    choice.append(el("strong", "", t(lang, `budget.${b}` as Key)), el("span", "", t(lang, `budget.${b}_help` as Key)));
    choice.setAttribute("aria-pressed", String(b === budget));
    budgets.append(choice);
  }
  screen.append(el("h2", "", t(lang, "syncscreen.budget")), budgets);

  const stages = el("table", "stages");
  const rows = new Map<Stage, HTMLTableRowElement>();
  for (const s of ["documents", "thumbnails", "previews", "originals"] as Stage[]) {
    const row = el("tr", "stage");
    row.dataset.stage = s;
    row.append(el("th", "", t(lang, `stage.${s}` as Key)), el("td", "stage-state", "—"), el("td", "stage-items", ""));
    rows.set(s, row);
    stages.append(row);
  }
  const totals = el("p", "totals");
  const waiting = el("ul", "waiting");
  const run = button(t(lang, "syncscreen.sync_now"), "primary big", async () => {
    run.disabled = true;
    message.textContent = "";
    waiting.replaceChildren();
    for (const [s, row] of rows) {
      row.querySelector(".stage-state")!.textContent = BUDGET_CLASSES[budget].includes(s)
        ? t(lang, "stage.waiting")
        : t(lang, "stage.not_in_budget");
      row.dataset.state = "waiting";
    }
    // Files are counted for the whole sync; a stage's row shows its own.
    const startOf = new Map<Stage, { up: number; down: number }>();
    let lastFiles = { up: 0, down: 0 };
    const show = (p: SyncProgress) => {
      if (!startOf.has(p.stage)) startOf.set(p.stage, lastFiles);
      const base = startOf.get(p.stage)!;
      lastFiles = { up: p.files_up, down: p.files_down };
      const row = rows.get(p.stage);
      if (row) {
        row.dataset.state = p.stage_done ? "done" : "moving";
        row.querySelector(".stage-state")!.textContent = t(lang, p.stage_done ? "stage.done" : "stage.moving");
        row.querySelector(".stage-items")!.textContent =
          p.stage === "documents"
            ? t(lang, "stage.docs", { up: p.docs_up, down: p.docs_down })
            : t(lang, "stage.files", { up: p.files_up - base.up, down: p.files_down - base.down });
      }
      totals.textContent = t(lang, "syncscreen.bytes", { up: bytes(lang, p.bytes_up), down: bytes(lang, p.bytes_down) });
    };
    try {
      const report = await api.syncNow(budget, lang, show);
      screen.dataset.synced = "1";
      message.textContent = t(lang, "syncscreen.done", {
        up: report.docs_up,
        down: report.docs_down,
        files: report.blobs_up + report.blobs_down,
      });
      const reasons = waitingReasons(lang, budget, report.waiting);
      waiting.replaceChildren(...(reasons.length ? reasons : [t(lang, "sync.all_at_hub")]).map((r) => el("li", "", r)));
    } catch (e) {
      const err = asAppError(e);
      message.dataset.code = err.code;
      message.textContent = err.message;
    } finally {
      run.disabled = false;
    }
  }, "sync-now");
  screen.append(run, stages, totals, message, waiting, info, who);
  root.replaceChildren(screen);
}
