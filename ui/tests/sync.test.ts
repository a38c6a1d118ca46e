import { describe, expect, it } from "vitest";
import { bytes, waitingReasons } from "../src/sync";

const nothing = { documents: 0, thumbnails_up: 0, previews_up: 0, originals_up: 0, blobs_down: 0, reasons: [] };

describe("sync screen", () => {
  it("says why files wait: a link that does not carry them, or an allowance spent", () => {
    const w = { ...nothing, thumbnails_up: 2, previews_up: 3, originals_up: 3 };
    expect(waitingReasons("en", "satellite", w)).toEqual([
      "2 thumbnails wait: this sync's allowance was spent.",
      "3 previews and voice notes wait for a better link (Satellite does not carry them).",
      "3 original photos wait for a better link (Satellite does not carry them).",
    ]);
    expect(waitingReasons("fr", "documents", { ...nothing, thumbnails_up: 1 })).toEqual([
      "1 vignettes attendent une meilleure liaison (Rapports seulement ne les transporte pas).",
    ]);
  });

  it("names reports that did not arrive and files still to receive", () => {
    expect(waitingReasons("en", "wifi", { ...nothing, documents: 1, blobs_down: 4 })).toEqual([
      "1 report(s) did not reach the hub; they go next sync.",
      "4 file(s) from the hub still to receive.",
    ]);
    expect(waitingReasons("en", "wifi", nothing)).toEqual([]);
  });

  it("writes sizes people read", () => {
    expect(bytes("en", 421)).toBe("421 B");
    expect(bytes("fr", 2048)).toBe("2.0 Ko");
    expect(bytes("en", 5.5 * 1024 * 1024)).toBe("5.5 MB");
  });
});
