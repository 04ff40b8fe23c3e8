#!/usr/bin/env python3
"""Independent IRR coverage check (stdlib only), to cross-check the totals
manrs stores for M7IRR (manrs-spec 2.4, 7.2).

Usage: irr_check.py ROUTES... --irr RPSL...

ROUTES are pyasn ipasn files (prefix<TAB>origin, plain or .gz); RPSL files
are IRR dumps (plain or .gz). Prints, over the distinct (prefix, origin)
pairs, how many are covered by a route/route6 object with the same origin
for the same prefix ("exact") and for the same or a less specific prefix
("covering").
"""
import gzip
import ipaddress
import sys


def opener(path):
    return gzip.open(path, "rt", errors="replace") if path.endswith(".gz") else open(path, errors="replace")


def routes(paths):
    out = set()
    for p in paths:
        with opener(p) as f:
            for line in f:
                if not line.strip() or line.startswith(";"):
                    continue
                parts = line.split()
                if len(parts) < 2:
                    continue
                prefix, origin = parts[0], parts[1]
                if "_" in origin or "{" in origin or "," in origin:
                    continue
                try:
                    net = ipaddress.ip_network(prefix, strict=False)
                    out.add((net, int(origin)))
                except ValueError:
                    pass
    return out


def route_objects(paths):
    objs = set()
    for p in paths:
        with opener(p) as f:
            cur = {}
            for line in f:
                line = line.rstrip("\n")
                if not line.strip():
                    if cur:
                        add(objs, cur)
                    cur = {}
                    continue
                if line[0] in "%#" or line[0] in " \t+":
                    continue
                if ":" in line:
                    k, v = line.split(":", 1)
                    v = v.split("#")[0].strip()
                    k = k.strip().lower()
                    if k not in cur:
                        cur[k] = v
            if cur:
                add(objs, cur)
    return objs


def add(objs, o):
    prefix = o.get("route") or o.get("route6")
    origin = o.get("origin", "")
    if not prefix or not origin.upper().startswith("AS"):
        return
    try:
        objs.add((ipaddress.ip_network(prefix, strict=False), int(origin[2:])))
    except ValueError:
        pass


def main():
    args = sys.argv[1:]
    i = args.index("--irr")
    rs = routes(args[:i])
    objs = route_objects(args[i + 1:])
    exact = covering = 0
    for net, origin in rs:
        if (net, origin) in objs:
            exact += 1
            covering += 1
            continue
        for plen in range(net.prefixlen - 1, -1, -1):
            if (net.supernet(new_prefix=plen), origin) in objs:
                covering += 1
                break
    print(f"routes {len(rs)} objects {len(objs)} exact {exact} covering {covering}")


if __name__ == "__main__":
    main()
