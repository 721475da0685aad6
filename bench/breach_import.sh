#!/usr/bin/env bash
# Import benchmark for the breached-password filter, on a synthetic Pwned
# Passwords file of N entries (default 100 million, about 4.8 GB of text).
#
#   bench/breach_import.sh BUILD_DIR [N]
#
# BUILD_DIR holds latchkey_breach_tool and latchkey_bench from a release build
# (cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo). Prints the machine, the import's
# entries/s, bytes/entry and peak RSS, Open() time, a false-positive check, and
# the lookup benchmarks on the imported filter. Set BREACH_GZIP=1 to also time the
# import of a gzip copy (gzip -1 of 4.8 GB takes a few minutes).
# Everything is written under a temporary directory (TMPDIR, default /tmp), which
# is deleted at the end, also on failure or Ctrl-C.
set -euo pipefail

BUILD=${1:?usage: bench/breach_import.sh BUILD_DIR [N]}
N=${2:-100000000}
TOOL=$BUILD/latchkey_breach_tool
BENCH=$BUILD/latchkey_bench
for bin in "$TOOL" "$BENCH"; do
  [ -x "$bin" ] || { echo "breach_import: $bin not found; build latchkey_breach_tool and latchkey_bench" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/breach_import.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
TEXT=$WORK/pwned.txt
FILTER=$WORK/breach.filter

field() { sed -n "s/^$1: *//p" "$2" | head -1; }

echo "== machine"
cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -1; }
echo "cpus: $(nproc), $(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model))"
echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "kernel: $(uname -r)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir: $WORK ($(df -h --output=avail "$WORK" | tail -1 | tr -d ' ') free)"

echo "== generate $N entries"
"$TOOL" generate "$N" "$TEXT"

echo "== import (text)"
/usr/bin/time -v "$TOOL" import "$TEXT" "$FILTER" > "$WORK/import.out" 2> "$WORK/import.time"
cat "$WORK/import.out"
seconds=$(field seconds "$WORK/import.out")
entries=$(field entries "$WORK/import.out")
rss_kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$WORK/import.time")
echo "wall (time -v): $(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/import.time")," \
     "user $(sed -n 's/^[[:space:]]*User time (seconds): //p' "$WORK/import.time") s," \
     "system $(sed -n 's/^[[:space:]]*System time (seconds): //p' "$WORK/import.time") s"
echo "import entries/s: $(awk -v n="$entries" -v s="$seconds" 'BEGIN {printf "%.2f M", n / s / 1e6}')"
echo "peak RSS (time -v): $(awk -v k="$rss_kb" 'BEGIN {printf "%.1f MiB", k / 1024}')"

if [ "${BREACH_GZIP:-0}" = 1 ]; then
  echo "== import (gzip -1)"
  start=$(date +%s.%N)
  gzip -1 -c "$TEXT" > "$TEXT.gz"
  echo "gzip -1: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f s", b - a}'), $(stat -c %s "$TEXT.gz") bytes"
  /usr/bin/time -v "$TOOL" import "$TEXT.gz" "$WORK/gz.filter" > "$WORK/gz.out" 2> "$WORK/gz.time"
  cat "$WORK/gz.out"
  gz_seconds=$(field seconds "$WORK/gz.out")
  echo "gzip import entries/s: $(awk -v n="$entries" -v s="$gz_seconds" 'BEGIN {printf "%.2f M", n / s / 1e6}')"
  cmp -s "$FILTER" "$WORK/gz.filter" && echo "gzip filter identical to the text one: yes" \
                                     || echo "gzip filter identical to the text one: NO"
  rm -f "$TEXT.gz" "$WORK/gz.filter"
fi
rm -f "$TEXT"  # 4.8 GB: not needed any more

echo "== open"
"$TOOL" open "$FILTER"

echo "== check (1M present, 1M absent)"
"$TOOL" check "$FILTER" 1000000

echo "== lookups (one thread, warm map)"
LATCHKEY_BREACH_FILTER=$FILTER LATCHKEY_BREACH_ENTRIES=$N "$BENCH" \
  --benchmark_filter='BM_Breach' --benchmark_min_time=2
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
