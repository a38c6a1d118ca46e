// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { MapPoint } from "../src/api";
import { clusterIndex, markers, renderMap, wholeCountry } from "../src/map";

function point(id: number, lat: number, lon: number): MapPoint {
  return { id: `r${id}`, kind: "incident", title: `Report ${id}`, status: "submitted", classification: "UNCLASSIFIED", lat, lon };
}

// Three reports within a few km of Gao, one in Kidal, one in Tombouctou.
const points = [point(1, 16.27, -0.05), point(2, 16.28, -0.04), point(3, 16.3, -0.03), point(4, 18.44, 1.41), point(5, 16.77, -3.0)];

describe("the review map", () => {
  it("shows the whole of Mali at first", () => {
    const view = wholeCountry();
    expect(view.center[0]).toBeGreaterThan(-8);
    expect(view.center[0]).toBeLessThan(0);
    expect(view.center[1]).toBeGreaterThan(14);
    expect(view.center[1]).toBeLessThan(20);
    expect(view.zoom).toBeGreaterThan(4);
    expect(view.zoom).toBeLessThan(8);
  });

  it("clusters close reports at country scale and counts every report once", () => {
    const index = clusterIndex(points);
    const whole = markers(index, wholeCountry());
    expect(whole.reduce((n, m) => n + (m.cluster ? m.count : 1), 0)).toBe(points.length);
    const gao = whole.find((m) => m.cluster);
    expect(gao && gao.cluster && gao.count).toBe(3);
  });

  it("splits a cluster when zoomed in on it", () => {
    const index = clusterIndex(points);
    const close = markers(index, { zoom: 13, center: [-0.04, 16.28] });
    expect(close.filter((m) => !m.cluster).map((m) => !m.cluster && m.point.id).sort()).toEqual(["r1", "r2", "r3"]);
  });

  it("draws a marker per cluster or point, each opening its report", () => {
    const root = document.createElement("div");
    const opened: string[] = [];
    renderMap(root, "fr", points, 2, wholeCountry(), { open: (id) => opened.push(id) });
    const drawn = [...root.querySelectorAll("svg.map .markers > g")];
    expect(drawn.reduce((n, g) => n + Number(g.getAttribute("data-count")), 0)).toBe(5);
    expect(root.querySelectorAll("path.region").length).toBe(9);
    expect(root.textContent).toContain("2 rapport(s) sans emplacement");
    (root.querySelector('.point[data-id="r4"]') as SVGGElement).dispatchEvent(new MouseEvent("click"));
    expect(opened).toEqual(["r4"]);
  });
});
