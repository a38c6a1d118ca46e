import { describe, expect, it } from "vitest";
import { formatDatetime, parseDatetime, parseLocation, parseNumber, parsePeopleCount } from "../src/forms";

describe("typed answers", () => {
  it("reads numbers as typed in either language, and keeps anything else for the checker", () => {
    expect(parseNumber("28")).toBe(28);
    expect(parseNumber(" -3 ")).toBe(-3);
    expect(parseNumber("12,5")).toBe(12.5);
    expect(parseNumber("1 200")).toBe(1200);
    expect(parseNumber("about 30")).toBe("about 30");
    expect(parseNumber("  ")).toBeNull();
  });

  it("turns a local date and time into an instant, and back", () => {
    const iso = parseDatetime("2026-03-14 06:30");
    expect(iso).toBe(new Date(2026, 2, 14, 6, 30).toISOString().replace(".000Z", "Z"));
    expect(formatDatetime(iso)).toBe("2026-03-14 06:30");
    expect(parseDatetime("14/03/2026 06h30")).toBe(iso);
    expect(parseDatetime("2026-03-14")).toBe(new Date(2026, 2, 14).toISOString().replace(".000Z", "Z"));
  });

  it("leaves impossible or unreadable dates as typed, for a precise error", () => {
    expect(parseDatetime("2026-02-31 10:00")).toBe("2026-02-31 10:00");
    expect(parseDatetime("yesterday")).toBe("yesterday");
    expect(parseDatetime("")).toBeNull();
  });

  it("builds locations and head counts from the boxes filled in, leaving empty ones out", () => {
    expect(parseLocation({ place: " Ansongo ", lat: "", lon: "" })).toEqual({ place: "Ansongo" });
    expect(parseLocation({ place: "", lat: "15,6597", lon: "0.5022" })).toEqual({ lat: 15.6597, lon: 0.5022 });
    expect(parseLocation({ place: "", lat: "", lon: "" })).toBeNull();
    expect(parsePeopleCount({ female: { under_5: "2", "5_17": "" }, male: { under_5: "" } })).toEqual({
      female: { under_5: 2 },
    });
    expect(parsePeopleCount({ female: { under_5: "-1" } })).toEqual({ female: { under_5: -1 } });
  });
});
