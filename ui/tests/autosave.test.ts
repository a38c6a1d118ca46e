import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Autosave, PAUSE_MS } from "../src/autosave";

describe("autosave", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("saves a field once after a pause in typing, with the last value typed", async () => {
    const saves: [string, unknown][] = [];
    const a = new Autosave(async (k, v) => void saves.push([k, v]));
    a.change("answer:route", "G");
    a.change("answer:route", "Ga");
    a.change("answer:route", "Gao");
    await vi.advanceTimersByTimeAsync(PAUSE_MS - 1);
    expect(saves).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(saves).toEqual([["answer:route", "Gao"]]);
  });

  it("keeps fields apart and flushes everything at once when leaving a step", async () => {
    const saves: [string, unknown][] = [];
    const a = new Autosave(async (k, v) => void saves.push([k, v]));
    a.change("answer:a", 1);
    a.change("note:who", "two interpreters");
    expect(a.unsaved).toBe(2);
    await a.flush();
    expect(saves.sort()).toEqual([
      ["answer:a", 1],
      ["note:who", "two interpreters"],
    ]);
    expect(a.unsaved).toBe(0);
    await vi.advanceTimersByTimeAsync(PAUSE_MS * 2);
    expect(saves.length).toBe(2);
  });

  it("reports saving, saved and errors, and the time from the keystroke to the save", async () => {
    const states: string[] = [];
    let now = 0;
    let fail = false;
    const a = new Autosave(
      async () => {
        now += 7;
        if (fail) throw new Error("disk full");
      },
      (s) => states.push(s),
      PAUSE_MS,
      () => now,
    );
    a.change("answer:x", 1);
    now += PAUSE_MS;
    await a.flushKey("answer:x");
    expect(states).toEqual(["pending", "saving", "saved"]);
    expect(a.lastLatencyMs).toBe(PAUSE_MS + 7);
    fail = true;
    a.change("answer:x", 2);
    await a.flush();
    expect(states.at(-1)).toBe("error");
  });
});
