// Boot and navigation. Everything a person enters lives in the store, so a
// screen is always drawn from what the Rust side returns: switching language
// or theme redraws without losing anything, and reopening the app after a
// crash goes straight back to the debrief step that was open.
import { api, asAppError, type AppState, type ReportView, type ReviewQuery } from "./api";
import { type Navigator, renderPlainForm, renderReadback, renderStep, Session } from "./debrief";
import { button, el } from "./dom";
import { type Form, newestForms } from "./forms";
import { renderHome, renderStart } from "./home";
import { renderLock } from "./lock";
import { type Lang, t } from "./i18n";
import { renderMap, type View, wholeCountry } from "./map";
import { renderReport } from "./report";
import { filterBar, renderAsk, renderPipeline, renderPrint, renderReviewList, reviewBody } from "./review";
import { renderReviewReport } from "./reviewreport";
import { renderSync } from "./sync";

type Screen =
  | { name: "home" }
  | { name: "start" }
  | { name: "debrief"; id: string; step: number; back: boolean }
  | { name: "readback"; id: string }
  | { name: "form"; id: string }
  | { name: "report"; id: string }
  | { name: "sync" }
  | { name: "review" }
  | { name: "map" }
  | { name: "pipeline" }
  | { name: "review-report"; id: string }
  | { name: "ask" }
  | { name: "print"; html: string; back: Screen };

const root = document.getElementById("app") as HTMLElement;
let lang: Lang =
  (localStorage.getItem("outpost.lang") as Lang) || (navigator.language.startsWith("fr") ? "fr" : "en");
let sunlight = localStorage.getItem("outpost.sunlight") === "1";
let screen: Screen = { name: "home" };
let session: Session | null = null;
let forms: Form[] | null = null;
let deviceId = "";
/** Enrolled as headquarters: the review workspace is offered. */
let reviewer = false;
/** The reviewer's filters, shared by the list and the map, kept across screens. */
let reviewQuery: ReviewQuery = {};
let mapView: View | null = null;
/** Where "back" from a report opened in review goes. */
let reviewFrom: Screen = { name: "review" };

function learn(state: AppState): void {
  deviceId = state.device_id;
  reviewer = state.hub?.offers_review === true;
}

/**
 * Form `id` at `version` (the one a report was started with), else its
 * newest: every version this device holds comes from the Rust side.
 */
async function formOf(id: string, version?: number): Promise<Form> {
  forms ??= await api.forms();
  const form = forms.find((f) => f.id === id && f.version === version) ?? newestForms(forms).find((f) => f.id === id);
  if (!form) throw { code: "report.unknown_kind", message: id };
  return form;
}

/** Leaves the current screen: nothing typed may be left unsaved. */
async function leave(): Promise<void> {
  await session?.autosave.flush().catch(() => {});
}

async function go(next: Screen): Promise<void> {
  await leave();
  screen = next;
  await show();
}

const nav: Navigator = {
  debrief: (id, step, back = false) => {
    void api.setStep(id, step, lang).catch(() => {});
    void go({ name: "debrief", id, step, back });
  },
  readback: (id) => {
    // One past the last step: reopening the app returns to the read-back.
    if (session) void api.setStep(id, session.form.steps.length, lang).catch(() => {});
    void go({ name: "readback", id });
  },
  form: (id) => void go({ name: "form", id }),
  report: (id) => void go({ name: "report", id }),
  home: () => void go({ name: "home" }),
};

/**
 * A report view already in hand for the next screen (from opening it, from
 * an attachment, at start-up): the screen draws from it instead of asking
 * the Rust side again. Taken once.
 */
let fetched: { view: ReportView; lang: Lang } | null = null;

function keep(view: ReportView): void {
  fetched = { view, lang };
}

async function viewOf(id: string): Promise<ReportView> {
  // Messages in a view are in the language it was asked in.
  const view = fetched?.view.id === id && fetched.lang === lang ? fetched.view : null;
  fetched = null;
  return view ?? api.openReport(id, lang);
}

/** Opens a report where it makes sense: a draft at its debrief step, else the report. */
async function open(id: string): Promise<void> {
  const view = await api.openReport(id, lang);
  keep(view);
  if (view.meta.status !== "draft") return go({ name: "report", id });
  const form = await formOf(view.form, view.form_version);
  const step = view.step ?? 0;
  return go(step >= form.steps.length ? { name: "readback", id } : { name: "debrief", id, step, back: false });
}

function toolbar(): HTMLElement {
  const bar = el("nav", "toolbar");
  bar.append(
    el("span", "brand", t(lang, "app.title")),
    button(t(lang, "ui.home"), "", () => void go({ name: "home" }), "to-home-bar"),
    ...(reviewer ? [button(t(lang, "ui.review"), "", () => void go({ name: "review" }), "to-review")] : []),
    button(t(lang, "ui.sync"), "", () => void go({ name: "sync" }), "to-sync"),
    button(t(lang, "lock.lock"), "", () => void leave().then(() => api.lockNow()).then(showLock), "lock-now"),
    button(t(lang, "ui.switch_lang"), "", () => {
      void leave().then(() => {
        lang = lang === "en" ? "fr" : "en";
        localStorage.setItem("outpost.lang", lang);
        void show();
      });
    }, "switch-lang"),
    button(t(lang, sunlight ? "ui.contrast_off" : "ui.contrast_on"), "", () => {
      sunlight = !sunlight;
      localStorage.setItem("outpost.sunlight", sunlight ? "1" : "0");
      void show();
    }, "switch-contrast"),
  );
  return bar;
}

/**
 * A session for report `id` in the current language. The list of other
 * reports is fetched only for screens with questions (report links).
 */
async function sessionFor(id: string, withQuestions: boolean): Promise<Session> {
  const [view, reports] = await Promise.all([viewOf(id), withQuestions ? api.listReports(lang) : []]);
  const form = await formOf(view.form, view.form_version);
  const s: Session = new Session(lang, form, view, reports, () => {
    // An attachment returned the report as it now is: draw from that.
    keep(s.report);
    void show();
  });
  return s;
}

async function draw(main: HTMLElement): Promise<void> {
  switch (screen.name) {
    case "home": {
      session = null;
      const [state, reports, questions] = await Promise.all([api.appState(lang), api.listReports(lang), api.standingQuestions(lang)]);
      learn(state);
      renderHome(
        main,
        lang,
        state,
        reports,
        Date.now(),
        {
          open: (id) => void open(id).catch(fail),
          start: () => void go({ name: "start" }),
          sync: () => void go({ name: "sync" }),
        },
        questions,
      );
      return;
    }
    case "start": {
      forms ??= await api.forms();
      renderStart(
        main,
        lang,
        newestForms(forms)
          .filter((f) => !f.headquarters_only)
          .map((f) => ({ id: f.id, title: f.title[lang], description: f.description[lang] })),
        (kind, classification) =>
          void api.startReport(kind, classification, lang).then(
            (view: ReportView) => {
              keep(view);
              return go({ name: "debrief", id: view.id, step: 0, back: false });
            },
            fail,
          ),
        () => void go({ name: "home" }),
      );
      return;
    }
    case "debrief": {
      session = await sessionFor(screen.id, true);
      const step = Math.min(screen.step, session.form.steps.length - 1);
      renderStep(main, session, step, nav, screen.back);
      return;
    }
    case "readback":
      session = await sessionFor(screen.id, false);
      renderReadback(main, session, nav);
      return;
    case "form":
      session = await sessionFor(screen.id, true);
      renderPlainForm(main, session, nav);
      return;
    case "report": {
      session = null;
      renderReport(main, lang, await viewOf(screen.id), nav, deviceId);
      return;
    }
    case "sync": {
      session = null;
      renderSync(main, lang, await api.syncStatus(lang), () => void show());
      return;
    }
    case "review": {
      session = null;
      reviewFrom = screen;
      main.append(reviewTabs("review"));
      renderReviewList(main, lang, await api.reviewList(reviewQuery, lang), reviewQuery, {
        open: (id) => void go({ name: "review-report", id }),
        query: (q) => {
          reviewQuery = q;
          mapView = null;
          void show();
        },
        exportAs: (format) =>
          void api.reviewExport(reviewQuery, format, lang).then((w) => {
            const done = el("p", "news", t(lang, "review.exported", { n: w.rows, path: w.path }));
            done.id = "export-done";
            done.setAttribute("role", "status");
            root.querySelector(".review-head")?.after(done);
          }, fail),
      });
      return;
    }
    case "map": {
      session = null;
      reviewFrom = screen;
      const [page, located] = await Promise.all([
        api.reviewList({ ...reviewQuery, page: 0 }, lang),
        api.reviewPoints(reviewQuery, lang),
      ]);
      main.append(reviewTabs("map"));
      const content = reviewBody(
        main,
        filterBar(lang, reviewQuery, page.facets, (q) => {
          reviewQuery = q;
          // New filters, new set of points: show the whole country again.
          mapView = null;
          void show();
        }),
      );
      mapView ??= wholeCountry();
      // The list's total counts the reports without a place too.
      renderMap(content, lang, located, page.total - located.length, mapView, {
        open: (id) => void go({ name: "review-report", id }),
      });
      return;
    }
    case "pipeline": {
      session = null;
      reviewFrom = screen;
      main.append(reviewTabs("pipeline"));
      renderPipeline(
        main,
        lang,
        await api.reviewPipeline(lang),
        (id) => void go({ name: "review-report", id }),
        (id, stage) => void api.reviewStage(id, stage, lang).then(() => show(), fail),
      );
      return;
    }
    case "review-report": {
      session = null;
      const id = screen.id;
      const found = await api.reviewReport(id, lang);
      const form = await formOf(found.report.form, found.report.form_version).catch(() => undefined);
      const redraw = (p: Promise<unknown>) => p.then(() => show());
      renderReviewReport(main, lang, found, form, {
        back: () => void go(reviewFrom),
        open: (other) => void go({ name: "review-report", id: other }),
        print: () =>
          void api.printReport(id, lang).then((html) => go({ name: "print", html, back: { name: "review-report", id } }), fail),
        setStatus: (status) => redraw(api.reviewStatus(id, status, lang)),
        comment: (text, question) => redraw(api.reviewComment(id, text, question, lang)),
        resolve: (path, value) => redraw(api.resolveConflict(id, path, value, lang)),
        link: (to, relation) => redraw(api.reviewLink(id, to, relation, lang)),
        stage: (stage) => redraw(api.reviewStage(id, stage, lang)),
        declassify: (level) =>
          api.reviewDeclassify(id, level, lang).then((copy) => go({ name: "review-report", id: copy.report.id })),
      }, deviceId);
      return;
    }
    case "ask": {
      session = null;
      const status = await api.syncStatus(lang);
      const levels = ["UNCLASSIFIED", "CONFIDENTIAL", "STRICTLY CONFIDENTIAL"];
      const cleared = levels.slice(0, levels.indexOf(status.hub?.clearance ?? "UNCLASSIFIED") + 1);
      main.append(reviewTabs("ask"));
      renderAsk(
        main,
        lang,
        cleared,
        async (ask) => {
          const made = await api.askUnit(ask, lang);
          await go({ name: "review-report", id: made.report.id });
        },
        () => void go({ name: "review" }),
      );
      return;
    }
    case "print": {
      session = null;
      const back = screen.back;
      renderPrint(main, lang, screen.html, () => void go(back));
      return;
    }
  }
}

/** The review workspace's tabs. */
function reviewTabs(current: string): HTMLElement {
  const tabs = el("nav", "review-tabs");
  const tab = (name: string, key: Parameters<typeof t>[1], action: () => void) => {
    const b = button(t(lang, key), name === current ? "tab current" : "tab", action, `tab-${name}`);
    b.setAttribute("aria-pressed", String(name === current));
    tabs.append(b);
  };
  tab("review", "review.list", () => void go({ name: "review" }));
  tab("map", "review.map", () => void go({ name: "map" }));
  tab("pipeline", "review.pipeline", () => void go({ name: "pipeline" }));
  tab("summary", "review.summary", () => {
    // The last seven days, today included.
    const today = new Date();
    const from = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - 6 * 86_400_000;
    void api.weeklySummary(from, lang).then((html) => go({ name: "print", html, back: { name: "review" } }), fail);
  });
  tab("ask", "review.ask_unit", () => void go({ name: "ask" }));
  const head = el("div", "review-top");
  head.append(el("h1", "title", t(lang, "review.title")), tabs);
  return head;
}

/** Whether the lock screen is up (the screen behind it is kept). */
let locked = false;

/** Draws the lock screen; unlocking returns to the screen that was open. */
async function showLock(): Promise<void> {
  locked = true;
  session = null;
  fetched = null;
  const state = await api.lockState();
  document.documentElement.lang = lang;
  document.documentElement.classList.toggle("sunlight", sunlight);
  const main = el("main");
  main.dataset.screen = "lock";
  renderLock(main, lang, state, {
    unlock: async (pin) => {
      await api.unlock(pin, lang);
      locked = false;
      await resume();
    },
    wipe: async () => {
      await api.wipeDevice(lang).catch(fail);
      screen = { name: "home" };
      reviewer = false;
      forms = null;
      await showLock();
      const done = el("p", "news", t(lang, "lock.wiped"));
      done.id = "wiped";
      done.setAttribute("role", "status");
      root.querySelector(".lock-card")?.prepend(done);
    },
    switchLang: () => {
      lang = lang === "en" ? "fr" : "en";
      localStorage.setItem("outpost.lang", lang);
      void showLock();
    },
  });
  root.replaceChildren(main);
}

function fail(e: unknown): void {
  const err = asAppError(e);
  if (err.code === "app.locked") {
    void showLock();
    return;
  }
  const box = el("div", "error");
  box.setAttribute("role", "alert");
  box.dataset.code = err.code;
  box.textContent = `${t(lang, "error.title")}: ${err.message}`;
  root.querySelector("main")?.prepend(box);
}

async function show(): Promise<void> {
  document.documentElement.lang = lang;
  document.documentElement.classList.toggle("sunlight", sunlight);
  const main = el("main");
  main.dataset.screen = screen.name;
  try {
    await draw(main);
  } catch (e) {
    root.replaceChildren(toolbar(), main);
    fail(e);
    return;
  }
  root.replaceChildren(toolbar(), main);
}

async function boot(): Promise<void> {
  const state = await api.lockState().catch(() => null);
  if (!state?.unlocked) {
    await showLock();
  } else {
    await resume();
  }
  document.body.dataset.ready = String(performance.now().toFixed(1));
  // The Rust side locks after a while with nothing done; follow it.
  window.setInterval(() => {
    if (locked) return;
    void api.lockState().then((s) => {
      if (!s.unlocked && !locked) void leave().then(showLock);
    });
  }, 2000);
}

/** Opens where the person left off: the debrief step that was open, else home. */
async function resume(): Promise<void> {
  try {
    const state = await api.appState(lang);
    learn(state);
    if (state.resume) {
      const view = await api.openReport(state.resume.report_id, lang);
      keep(view);
      const form = await formOf(view.form, view.form_version);
      const step = state.resume.step;
      screen =
        step >= form.steps.length
          ? { name: "readback", id: view.id }
          : { name: "debrief", id: view.id, step, back: false };
    }
  } catch {
    screen = { name: "home" };
  }
  await show();
}

// Closing the window must not lose the last words typed.
window.addEventListener("pagehide", () => void leave());
window.addEventListener("blur", () => void leave());

void boot();
