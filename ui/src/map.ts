// The review map: Mali's regions and main towns drawn from a GeoJSON file
// shipped with the app (no tile server, works with no link at all), reports
// as points clustered by supercluster, filtered like the list. A cluster
// opens by zooming in on it; a point opens its report.
import { geoMercator, geoPath, type GeoPermissibleObjects } from "d3-geo";
import Supercluster from "supercluster";
import type { MapPoint } from "./api";
import { button, el } from "./dom";
import { type Lang, t } from "./i18n";
import mali from "./maps/mali.json";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 1000;
const HEIGHT = 760;
/** Supercluster measures in pixels of a 256-pixel world tile. */
const TILE = 256;
const MAX_ZOOM = 14;

interface TownProps {
  kind: "town";
  name: string;
  rank: number;
}
interface RegionProps {
  kind: "region";
  name: string;
  name_fr: string;
  code: string;
}
type MapFeature = { type: "Feature"; properties: TownProps | RegionProps; geometry: GeoPermissibleObjects & { type: string; coordinates: unknown } };
const features = (mali as unknown as { features: MapFeature[] }).features;
const regions = features.filter((f) => f.properties.kind === "region");
const towns = features.filter((f) => f.properties.kind === "town") as (MapFeature & { properties: TownProps })[];
const country = { type: "FeatureCollection", features: regions } as unknown as GeoPermissibleObjects;

/** Where the map looks: a zoom (in supercluster's terms) and a centre. */
export interface View {
  zoom: number;
  center: [number, number];
}

/** The view that shows all of Mali in the map's frame. */
export function wholeCountry(): View {
  const fitted = geoMercator().fitExtent(
    [
      [16, 16],
      [WIDTH - 16, HEIGHT - 16],
    ],
    country,
  );
  const zoom = Math.log2((fitted.scale() * 2 * Math.PI) / TILE);
  const center = fitted.invert?.([WIDTH / 2, HEIGHT / 2]) ?? [-4, 17];
  return { zoom, center: [center[0], center[1]] };
}

function projectionFor(view: View) {
  return geoMercator()
    .scale((TILE * 2 ** view.zoom) / (2 * Math.PI))
    .center(view.center)
    .translate([WIDTH / 2, HEIGHT / 2]);
}

export type Marker =
  | { cluster: true; id: number; count: number; lon: number; lat: number }
  | { cluster: false; point: MapPoint; lon: number; lat: number };

/** Clusters `points` once; markers for any view come from the index. */
export function clusterIndex(points: MapPoint[]): Supercluster<{ point: MapPoint }> {
  const index = new Supercluster<{ point: MapPoint }>({ radius: 36, maxZoom: MAX_ZOOM });
  index.load(
    points.map((p) => ({
      type: "Feature",
      properties: { point: p },
      geometry: { type: "Point", coordinates: [p.lon, p.lat] },
    })),
  );
  return index;
}

/** The markers visible in `view`: clusters where points crowd, points elsewhere. */
export function markers(index: Supercluster<{ point: MapPoint }>, view: View): Marker[] {
  const projection = projectionFor(view);
  const topLeft = projection.invert?.([0, 0]) ?? [-180, 85];
  const bottomRight = projection.invert?.([WIDTH, HEIGHT]) ?? [180, -85];
  const bbox: [number, number, number, number] = [topLeft[0], bottomRight[1], bottomRight[0], topLeft[1]];
  return index.getClusters(bbox, Math.floor(view.zoom)).map((f) => {
    const [lon, lat] = f.geometry.coordinates;
    const props = f.properties as { cluster?: boolean; cluster_id?: number; point_count?: number; point?: MapPoint };
    return props.cluster
      ? { cluster: true, id: props.cluster_id ?? 0, count: props.point_count ?? 0, lon, lat }
      : { cluster: false, point: props.point as MapPoint, lon, lat };
  });
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export interface MapActions {
  open(id: string): void;
}

/**
 * Draws the map of `points` into `root`. `view` is kept by the caller so that
 * returning from a report finds the map where it was left.
 */
export function renderMap(
  root: HTMLElement,
  lang: Lang,
  points: MapPoint[],
  withoutPlace: number,
  view: View,
  actions: MapActions,
): void {
  const index = clusterIndex(points);
  const box = el("section", "review-map");
  const head = el("div", "map-head");
  head.append(el("p", "map-count", t(lang, "review.on_map", { n: points.length })));
  if (withoutPlace > 0) head.append(el("p", "hint", t(lang, "review.without_place", { n: withoutPlace })));
  const frame = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "map", role: "img" });
  frame.setAttribute("aria-label", t(lang, "review.map"));
  const zoomBar = el("div", "map-zoom");
  const base = wholeCountry().zoom;
  const zoomBy = (delta: number, at?: [number, number]) => {
    view.zoom = Math.min(MAX_ZOOM, Math.max(base, view.zoom + delta));
    if (at) view.center = at;
    draw();
  };
  zoomBar.append(
    button("+", "zoom-in", () => zoomBy(1), "map-zoom-in"),
    button("−", "zoom-out", () => zoomBy(-1), "map-zoom-out"),
    button(t(lang, "review.whole_country"), "secondary", () => {
      Object.assign(view, wholeCountry());
      draw();
    }, "map-whole"),
  );
  zoomBar.querySelector("#map-zoom-in")?.setAttribute("aria-label", t(lang, "review.zoom_in"));
  zoomBar.querySelector("#map-zoom-out")?.setAttribute("aria-label", t(lang, "review.zoom_out"));
  head.append(zoomBar);

  function draw(): void {
    const projection = projectionFor(view);
    const path = geoPath(projection);
    // Hit rings sit under every marker: a glove landing near a point opens
    // it, but never takes a tap meant for the marker beside it.
    const layers = [
      svg("g", { class: "regions" }),
      svg("g", { class: "towns" }),
      svg("g", { class: "hits" }),
      svg("g", { class: "markers" }),
    ];
    for (const r of regions) {
      const p = r.properties as RegionProps;
      const shape = svg("path", { d: path(r.geometry) ?? "", class: "region" });
      shape.dataset.code = p.code;
      const name = svg("title", {});
      name.textContent = lang === "fr" ? p.name_fr : p.name;
      shape.append(name);
      layers[0].append(shape);
    }
    for (const town of towns) {
      if (town.properties.rank > 1 && view.zoom < base + 1) continue;
      const [x, y] = projection(town.geometry.coordinates as [number, number]) ?? [0, 0];
      layers[1].append(svg("circle", { cx: x, cy: y, r: 4, class: "town" }));
      const name = svg("text", { x: x + 7, y: y + 5, class: "town-name" });
      name.textContent = town.properties.name;
      layers[1].append(name);
    }
    const hitRing = (x: number, y: number, r: number, onTap: () => void) => {
      const ring = svg("circle", { cx: x, cy: y, r, class: "hit" });
      ring.addEventListener("click", onTap);
      layers[2].append(ring);
    };
    for (const m of markers(index, view)) {
      const [x, y] = projection([m.lon, m.lat]) ?? [0, 0];
      const g = svg("g", { class: m.cluster ? "cluster" : `point kind-${m.point.kind}`, transform: `translate(${x},${y})`, tabindex: 0, role: "button" });
      const label = svg("title", {});
      if (m.cluster) {
        const r = 16 + Math.min(20, Math.log2(m.count) * 4);
        g.append(svg("circle", { r }));
        const n = svg("text", { "text-anchor": "middle", dy: "0.35em" });
        n.textContent = String(m.count);
        g.append(n);
        g.dataset.count = String(m.count);
        label.textContent = t(lang, "review.cluster", { n: m.count });
        const expand = () => zoomBy(Math.max(1, index.getClusterExpansionZoom(m.id) - Math.floor(view.zoom)), [m.lon, m.lat]);
        hitRing(x, y, Math.max(r, 30), expand);
        g.addEventListener("click", expand);
        g.addEventListener("keydown", (e) => (e as KeyboardEvent).key === "Enter" && expand());
      } else {
        g.append(svg("circle", { r: 16 }));
        hitRing(x, y, 30, () => actions.open(m.point.id));
        g.dataset.id = m.point.id;
        g.dataset.count = "1";
        label.textContent = m.point.title;
        g.addEventListener("click", () => actions.open(m.point.id));
        g.addEventListener("keydown", (e) => (e as KeyboardEvent).key === "Enter" && actions.open(m.point.id));
      }
      g.append(label);
      layers[3].append(g);
    }
    frame.replaceChildren(...layers);
  }

  // Dragging pans the map.
  let dragFrom: { x: number; y: number; center: [number, number] } | null = null;
  frame.addEventListener("pointerdown", (e) => {
    if ((e.target as Element).closest(".cluster, .point")) return;
    dragFrom = { x: e.clientX, y: e.clientY, center: view.center };
  });
  frame.addEventListener("pointerup", () => (dragFrom = null));
  frame.addEventListener("pointerleave", () => (dragFrom = null));
  frame.addEventListener("pointermove", (e) => {
    if (!dragFrom) return;
    const rect = frame.getBoundingClientRect();
    const ratio = WIDTH / Math.max(1, rect.width);
    const projection = projectionFor({ zoom: view.zoom, center: dragFrom.center });
    const moved = projection.invert?.([WIDTH / 2 - (e.clientX - dragFrom.x) * ratio, HEIGHT / 2 - (e.clientY - dragFrom.y) * ratio]);
    if (moved) {
      view.center = [moved[0], moved[1]];
      draw();
    }
  });

  draw();
  box.append(head, frame);
  root.append(box);
}
