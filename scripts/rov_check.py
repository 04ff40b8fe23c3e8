#!/usr/bin/env python3
"""Independent RFC 6811 check of `manrs rov` totals, written without any of
manrs' code: VRPs from rpki-client JSON, routes from pyasn ipasn files.

usage: rov_check.py VRPS.json[.bz2|.gz] ROUTES.dat[.gz]...
prints: {"valid": n, "invalid": n, "notFound": n, "routes": n}
"""
import bz2, gzip, ipaddress, json, sys
from collections import defaultdict


def opener(path):
    if path.endswith(".bz2"):
        return bz2.open(path, "rt")
    if path.endswith(".gz"):
        return gzip.open(path, "rt")
    return open(path)


vrps = defaultdict(set)  # (version, network int, length) -> {(asn, maxlen)}
with opener(sys.argv[1]) as f:
    for roa in json.load(f)["roas"]:
        asn = roa["asn"]
        asn = int(str(asn).upper().removeprefix("AS"))
        net = ipaddress.ip_network(roa["prefix"])
        vrps[(net.version, int(net.network_address), net.prefixlen)].add((asn, roa["maxLength"]))

counts = {"valid": 0, "invalid": 0, "notFound": 0}
seen = set()
for path in sys.argv[2:]:
    with opener(path) as f:
        for line in f:
            if line.startswith(";") or not line.strip():
                continue
            prefix, origin = line.split("\t")
            origin = int(origin)
            if (prefix, origin) in seen:
                continue
            seen.add((prefix, origin))
            net = ipaddress.ip_network(prefix)
            bits = 32 if net.version == 4 else 128
            addr = int(net.network_address)
            covered = valid = False
            for l in range(net.prefixlen + 1):
                key = (net.version, addr >> (bits - l) << (bits - l) if l else 0, l)
                for asn, maxlen in vrps.get(key, ()):
                    covered = True
                    if asn != 0 and asn == origin and net.prefixlen <= maxlen:
                        valid = True
            counts["valid" if valid else "invalid" if covered else "notFound"] += 1
counts["routes"] = sum(counts.values())
print(json.dumps(counts))
