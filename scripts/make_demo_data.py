#!/usr/bin/env python3
"""Regenerates the derived files of the demo dataset (data/demo/) from the
shared routing data, deterministically (sorted, gzip mtime 0):

* vrps-2025-07-20-demo.json.gz: the VRPs of the rpki-client output of
  2025-07-20 whose trust anchor is not ARIN (ARIN's Relying Party Agreement
  does not allow redistribution) and that cover (same or less specific
  prefix) at least one route announced in the demo MRT files. ASPA and
  BGPsec objects are dropped: they carry no trust-anchor label, so ARIN's
  cannot be told apart. Only covering VRPs decide RFC 6811 states, so the
  demo routes validate exactly as against every non-ARIN VRP.
* asnames-demo.json.gz: the AS names of the origin ASes of those routes.

The routes are listed with manrs itself (`manrs rov --json --detail`).

Usage: scripts/make_demo_data.py [SHARED_DATA_DIR] [--manrs PATH]
(default: $MANRS_SHARED_DATA, else ../shared/data; target/release/manrs)
"""
import bz2
import gzip
import io
import ipaddress
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "data", "demo")
MRT = ["updates.20260222.1530.bz2", "rib.20260730.1400_first2MB.bz2", "rib6.20260730.1400_firstMB.bz2"]


def write_gz(path, text):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as g:
        g.write(text.encode())
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def main():
    args = sys.argv[1:]
    manrs = os.path.join(ROOT, "target", "release", "manrs")
    if "--manrs" in args:
        i = args.index("--manrs")
        manrs = args[i + 1]
        del args[i:i + 2]
    shared = args[0] if args else os.environ.get("MANRS_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
    vrp_file = os.path.join(shared, "rpki-client-vrps-2025-07-20", "rpkiclient_summary_20250720T093135Z.json.bz2")
    with bz2.open(vrp_file, "rt") as f:
        full = json.load(f)
    non_arin = [r for r in full["roas"] if r.get("ta") != "arin"]

    # The routes of the demo MRT files, listed by manrs.
    routes = set()
    for name in MRT:
        out = subprocess.run(
            [manrs, "rov", "--vrps", vrp_file, "--routes", os.path.join(DEMO, name), "--json", "--detail"],
            check=True, capture_output=True, text=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        for r in result["results"]:
            routes.add((r["prefix"], r["origin"]))
        print(f"{name}: {len(result['results'])} routes", file=sys.stderr)
    supernets = set()
    for prefix, _ in routes:
        net = ipaddress.ip_network(prefix)
        for plen in range(net.prefixlen, -1, -1):
            supernets.add(str(net.supernet(new_prefix=plen)))
    kept = [r for r in non_arin if str(ipaddress.ip_network(r["prefix"])) in supernets]
    kept.sort(key=lambda r: (ipaddress.ip_network(r["prefix"]).version, ipaddress.ip_network(r["prefix"]), r["maxLength"], str(r["asn"]), r["ta"]))
    per_ta = {}
    for r in kept:
        per_ta[r["ta"]] = per_ta.get(r["ta"], 0) + 1
    doc = {"metadata": full["metadata"], "roas": kept}
    text = "{\n\t\"metadata\": " + json.dumps(doc["metadata"]) + ",\n\t\"roas\": [\n"
    text += ",\n".join("\t\t" + json.dumps(r) for r in kept)
    text += "\n\t]\n}\n"
    write_gz(os.path.join(DEMO, "vrps-2025-07-20-demo.json.gz"), text)
    print(f"routes {len(routes)}; VRPs kept {len(kept)} of {len(non_arin)} non-ARIN ({len(full['roas'])} in all); per TA {dict(sorted(per_ta.items()))}")

    origins = {str(o) for _, o in routes if o is not None}
    with gzip.open(os.path.join(shared, "routeviews-rv2-rib-2026-07-30", "asnames.json.gz"), "rt") as f:
        names = json.load(f)
    subset = {k: names[k] for k in sorted(names, key=int) if k in origins}
    write_gz(os.path.join(DEMO, "asnames-demo.json.gz"), json.dumps(subset, indent=0, ensure_ascii=False) + "\n")
    print(f"AS names kept {len(subset)} of {len(names)} (origins: {len(origins)})")


if __name__ == "__main__":
    main()
