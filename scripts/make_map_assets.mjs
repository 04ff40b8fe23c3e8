// Builds the world map assets of the dashboard (crates/web/assets/map/):
//   land.path       the land outline as one SVG path, equirectangular,
//                   960 x 480 (x = (lon + 180) * 8/3, y = (90 - lat) * 8/3)
//   economies.json  per ISO 3166-1 alpha-2 code: English name and the map
//                   position of the centroid of the economy's largest
//                   polygon (so overseas territories do not pull it away)
//
// Sources (npm registry): world-atlas 2.0.2 (ISC; Natural Earth data,
// public domain) land-110m and countries-50m; i18n-iso-countries 7.14.0
// (MIT) for numeric -> alpha-2 codes and names; d3-geo 3 and
// topojson-client 3 (ISC) for the geometry.
//
// Usage, from an empty directory:
//   npm install world-atlas@2.0.2 d3-geo@3 topojson-client@3 i18n-iso-countries@7.14.0
//   node /path/to/manrs/scripts/make_map_assets.mjs /path/to/manrs/crates/web/assets/map
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const topojson = require("topojson-client");
const d3 = await import(path.join(process.cwd(), "node_modules/d3-geo/dist/d3-geo.mjs"));
const countries = require("i18n-iso-countries");
countries.registerLocale(require("i18n-iso-countries/langs/en.json"));

const out = process.argv[2];
if (!out) throw new Error("usage: make_map_assets.mjs OUTPUT_DIR");

const W = 960, H = 480, K = W / 360;
const x = (lon) => Math.round((lon + 180) * K * 10) / 10;
const y = (lat) => Math.round((90 - lat) * K * 10) / 10;

// Land outline: every ring as M ... Z, coordinates to 0.1 px, repeated
// points dropped.
const land110 = require("world-atlas/land-110m.json");
const land = topojson.feature(land110, land110.objects.land);
let d = "";
for (const f of land.features ?? [land]) {
  const g = f.geometry;
  const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  for (const poly of polys) {
    for (const ring of poly) {
      let last = "";
      let seg = "";
      for (const [lon, lat] of ring) {
        const p = `${x(lon)} ${y(lat)}`;
        if (p === last) continue;
        seg += (seg ? "L" : "M") + p;
        last = p;
      }
      d += seg + "Z";
    }
  }
}
fs.writeFileSync(path.join(out, "land.path"), d + "\n");

// Economies: centroid of the largest polygon of each country.
const c50 = require("world-atlas/countries-50m.json");
const fc = topojson.feature(c50, c50.objects.countries);
const economies = {};
for (const f of fc.features) {
  const a2 = countries.numericToAlpha2(f.id);
  if (!a2 || !f.geometry) continue;
  const g = f.geometry;
  const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  let best = null, area = -1;
  for (const p of polys) {
    const a = d3.geoArea({ type: "Polygon", coordinates: p });
    if (a > area) { area = a; best = p; }
  }
  const [lon, lat] = d3.geoCentroid({ type: "Polygon", coordinates: best });
  economies[a2] = { name: countries.getName(a2, "en"), x: x(lon), y: y(lat) };
}
// Names of the codes the map has no shape for (small islands, "EU"...).
for (const a2 of Object.keys(countries.getAlpha2Codes())) {
  if (!economies[a2]) economies[a2] = { name: countries.getName(a2, "en"), x: null, y: null };
}
const sorted = Object.fromEntries(Object.keys(economies).sort().map((k) => [k, economies[k]]));
fs.writeFileSync(path.join(out, "economies.json"), JSON.stringify(sorted, null, 0) + "\n");
console.log(`land.path ${d.length} bytes; ${Object.keys(sorted).length} economies, ` +
  `${Object.values(sorted).filter((e) => e.x !== null).length} on the map`);
