#!/usr/bin/env bash
# MRT ingest benchmark: our reader, bgpkit-parser and bgpdump, one after the
# other in one run on the same files (docs/performance.md).
#
#   scripts/bench-mrt.sh FILE...
#
# For every file it runs
#   manrs inspect --json FILE                          (our reader: elements, peers, diagnostics;
#                                                       bzip2 decoded on the other cores by default)
#   manrs --threads 1 inspect --json FILE              (the same with the sequential bzip2 decoder)
#   bgpkit_count FILE                                  (bgpkit-parser's element iterator, crates/mrt/examples)
#   bgpdump -m FILE | wc -l                            (bgpdump 1.6; the time covers bgpdump only)
#   bzip2 -dc / gzip -dc FILE | wc -c                  (decompression alone, for reference)
# under /usr/bin/time and prints, per tool, the elements, elements/s, wall
# seconds, CPU seconds (user + system) and peak RSS, then the throughput
# ratios of our reader to the others, as a Markdown table.
#
# Environment:
#   MANRS, BGPKIT_COUNT  binaries to use (default: built here with
#                        `cargo build --release` into $CARGO_TARGET_DIR or target/)
#   MANRS_ARGS           extra arguments for `manrs inspect`
#   SKIP_SEQUENTIAL=1    leave out the `--threads 1` run
#   SKIP_BGPDUMP=1       leave bgpdump out (it is the slowest by far)
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 FILE..." >&2
    exit 2
fi
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${MANRS:-}" ] || [ -z "${BGPKIT_COUNT:-}" ]; then
    cargo build --release --quiet -p manrs-cli
    cargo build --release --quiet -p manrs-mrt --example bgpkit_count
fi
MANRS="${MANRS:-$target/release/manrs}"
BGPKIT_COUNT="${BGPKIT_COUNT:-$target/release/examples/bgpkit_count}"
command -v bgpdump > /dev/null || SKIP_BGPDUMP=1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# run NAME COMMAND...: runs COMMAND under /usr/bin/time with stdout to
# $tmp/out; appends "name elements wall cpu rss_kb" to $tmp/rows once the
# caller has put the element count in $tmp/count.
timed() {
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" > "$tmp/out"
}
row() {
    local name="$1" count="$2"
    read -r wall user sys rss < "$tmp/time"
    echo "$name $count $wall $(echo "$user + $sys" | bc) $rss" >> "$tmp/rows"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "manrs: $MANRS ${MANRS_ARGS:-}"
echo "bgpkit-parser: $BGPKIT_COUNT"
if [ -z "${SKIP_BGPDUMP:-}" ]; then
    echo "bgpdump: $(command -v bgpdump) $(dpkg-query -W -f='${Version}' bgpdump 2> /dev/null || true)"
fi
for file in "$@"; do
    : > "$tmp/rows"
    cat "$file" > /dev/null # page cache
    echo
    echo "## $file ($(stat -c %s "$file") bytes)"

    case "$(head -c 3 "$file" | od -An -tx1 | tr -d ' ')" in
        425a68) dec=bzip2 ;;
        1f8b*) dec=gzip ;;
        *) dec=cat ;;
    esac
    if [ "$dec" = cat ]; then
        timed sh -c 'cat "$1" | wc -c' sh "$file"
    else
        timed sh -c "$dec -dc \"\$1\" | wc -c" sh "$file"
    fi
    row "$dec-dc" "$(cat "$tmp/out")"

    # shellcheck disable=SC2086
    timed "$MANRS" inspect --json ${MANRS_ARGS:-} "$file"
    row manrs "$(grep -o '"elements":[0-9]*' "$tmp/out" | cut -d: -f2)"
    if ! grep -q '"errors":0' "$tmp/out"; then
        echo "note: manrs reported problems: $(cat "$tmp/out")"
    fi

    if [ -z "${SKIP_SEQUENTIAL:-}" ]; then
        # shellcheck disable=SC2086
        timed "$MANRS" --threads 1 inspect --json ${MANRS_ARGS:-} "$file"
        row manrs-sequential "$(grep -o '"elements":[0-9]*' "$tmp/out" | cut -d: -f2)"
    fi

    timed "$BGPKIT_COUNT" "$file"
    row bgpkit-parser "$(cat "$tmp/out")"

    if [ -z "${SKIP_BGPDUMP:-}" ]; then
        /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" bgpdump -m "$file" 2> /dev/null | wc -l > "$tmp/out"
        row "bgpdump-m" "$(cat "$tmp/out")"
    fi

    awk '
        { name[NR] = $1; n[NR] = $2; wall[NR] = $3; cpu[NR] = $4; rss[NR] = $5
          if ($1 == "manrs") ours = NR }
        END {
            print "| tool | elements | elements/s | wall s | CPU s | peak RSS MB |"
            print "|---|---:|---:|---:|---:|---:|"
            for (i = 1; i <= NR; i++) {
                rate = wall[i] > 0 ? n[i] / wall[i] : 0
                if (i == 1) { printf "| %s (decompression alone) | %s bytes | | %.2f | %.2f | %.1f |\n", name[i], n[i], wall[i], cpu[i], rss[i] / 1024; continue }
                printf "| %s | %d | %.0f | %.2f | %.2f | %.1f |\n", name[i], n[i], rate, wall[i], cpu[i], rss[i] / 1024
            }
            for (i = 2; i <= NR; i++) {
                if (i == ours) continue
                if (n[i] != n[ours]) printf "warning: %s counted %d elements, manrs %d\n", name[i], n[i], n[ours]
                printf "manrs vs %s: %.2fx the elements/s; %s uses %.2fx the CPU seconds\n", name[i], (n[ours] / wall[ours]) / (n[i] / wall[i]), name[i], cpu[i] / cpu[ours]
            }
        }' "$tmp/rows"
done
