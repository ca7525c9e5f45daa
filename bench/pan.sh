#!/bin/sh
# The pan probe beside ripgrep, the fastest general tool an auditor would
# reach for, on the same page-cached file.
#
# File: `pan-gen bench` (fixtures/pan/gen.c) writes PAN_BENCH_MIB MiB (1024
# by default) of mixed logs, JSON and CSV lines with a card number about
# every 20 KiB and decoys (timestamps, phone numbers, ids, amounts).
# Peer: `rg -c` with the ASCII-mode PAN regex (?-u)\b(?:[0-9][ -]?){12,18}[0-9]\b:
# ripgrep's fast mode (its Unicode \d is ~30x slower and no fair peer); it
# only finds digit runs, where assay also checks brands, Luhn, tracks, CVVs,
# PIN blocks and masks and writes masked findings. Times are the best of 3
# runs, wall clock and, with GNU time, CPU (user + system: steadier than
# wall time on a busy machine); the ratio is peer time / assay time (>1:
# assay faster). A last row splits the file into 16 files and compares
# --threads 2 with --threads 1 (the scaling on many files; it needs two
# idle cores to mean anything). Peak RSS is GNU time's %M. The last row is
# the worst case, 64 MiB of card numbers and CVVs on every line: there rg,
# which only counts lines, is several times faster than assay, which judges,
# counts and dedups every hit.
set -u
bin=$1
dir=$(dirname "$bin")
gen=$dir/pan-gen
mib=${PAN_BENCH_MIB:-1024}
work=${TMPDIR:-/tmp}/assay-bench-pan
file=$work/mixed-$mib.txt
row() { printf '%-30s %-22s %12s %12s %8s\n' "$@"; }

if [ ! -x "$gen" ]; then
	row "pan: $mib MiB mixed text" "-" "-" "-" "no $gen (make bench builds it)"
	exit 0
fi
mkdir -p "$work"
if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -ne $((mib << 20)) ]; then
	"$gen" bench "$file" "$mib" 1 >/dev/null || exit 1
fi
cat "$file" >/dev/null # page cache

now() { date +%s%N; }
gnutime=""
[ -x /usr/bin/time ] && gnutime=/usr/bin/time
# best of 3 runs of a command: "wall_ms cpu_ms" (cpu "-" without GNU time)
best() {
	bw="" bc=""
	for _ in 1 2 3; do
		t0=$(now)
		if [ -n "$gnutime" ]; then
			c=$($gnutime -f '%U %S' "$@" 2>&1 >/dev/null | tail -n 1 |
				awk '{ printf "%d", ($1 + $2) * 1000 }')
		else
			"$@" >/dev/null 2>&1
			c=-
		fi
		t1=$(now)
		w=$(((t1 - t0) / 1000000))
		if [ -z "$bw" ] || [ "$w" -lt "$bw" ]; then bw=$w; fi
		if [ "$c" != - ] && { [ -z "$bc" ] || [ "$c" -lt "$bc" ]; }; then bc=$c; fi
	done
	echo "$bw ${bc:--}"
}
mbs() { echo "$1 $2" | awk '{ printf "%.0f MB/s", $1 * 1048576 / 1e6 / ($2 / 1000) }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $2 / $1 }'; }

set -- $(best "$bin" probe pan --threads 1 --json "$file")
aw=$1 ac=$2
rss=""
if [ -n "$gnutime" ]; then
	rss=$($gnutime -f %M "$bin" probe pan --threads 1 --json "$file" 2>&1 >/dev/null | tail -n 1)
fi
regex='(?-u)\b(?:[0-9][ -]?){12,18}[0-9]\b'
if command -v rg >/dev/null 2>&1; then
	set -- $(best rg -c "$regex" "$file")
	pw=$1 pc=$2
	row "pan: $mib MiB mixed, 1 thread" "rg -c PAN regex" "${aw} ms" "${pw} ms" "$(ratio "$aw" "$pw")"
	[ "$ac" != - ] && [ "$pc" != - ] &&
		row "  cpu time (user+sys)" "" "${ac} ms" "${pc} ms" "$(ratio "$ac" "$pc")"
	row "  throughput (wall)" "" "$(mbs "$mib" "$aw")" "$(mbs "$mib" "$pw")" ""
	[ "$ac" != - ] && [ "$pc" != - ] &&
		row "  throughput (cpu)" "" "$(mbs "$mib" "$ac")" "$(mbs "$mib" "$pc")" ""
else
	row "pan: $mib MiB mixed, 1 thread" "rg (not installed)" "${aw} ms" "-" "-"
	row "  throughput" "apt-get install ripgrep" "$(mbs "$mib" "$aw")" "-" ""
fi
[ -n "$rss" ] && row "  peak RSS" "" "$((rss / 1024)) MiB" "" ""

# many files: the same bytes as 16 files
parts=$work/parts-$mib
if [ ! -d "$parts" ]; then
	mkdir -p "$parts"
	split -n 16 -d "$file" "$parts/part-"
fi
set -- $(best "$bin" probe pan --threads 1 --json "$parts")
t1=$1
set -- $(best "$bin" probe pan --threads 2 --json "$parts")
t2=$1
row "pan: 16 files, 2 threads" "assay --threads 1" "${t2} ms" "${t1} ms" "$(ratio "$t2" "$t1")"

# dense: a transaction export with a card number and a labelled CVV on every
# line (64 MiB, about 900,000 of each), the worst case for assay, which
# judges and counts every one (past the 5,000 findings it keeps, without
# excerpts) where rg only counts matching lines
dense=$work/dense-64.csv
if [ ! -f "$dense" ]; then
	python3 - "$dense" <<'PY' || exit 1
import random, sys
def luhn(p):
    s = 0
    for i, d in enumerate(reversed(p)):
        v = int(d) * (2 if i % 2 == 0 else 1)
        s += v - 9 if v > 9 else v
    return p + str((10 - s % 10) % 10)
random.seed(7)
with open(sys.argv[1], "w") as out:
    n = 0
    while n < 64 << 20:
        pan = luhn("622202" + "".join(random.choice("0123456789") for _ in range(12)))
        line = "2026-11-29 10:%02d:%02d,txn%08d,%s,cvv: %03d,%d.%02d,OK,merchant %d\n" % (
            random.randrange(60), random.randrange(60), random.randrange(10**8), pan,
            random.randrange(1000), random.randrange(10000), random.randrange(100),
            random.randrange(1000))
        out.write(line)
        n += len(line)
PY
fi
cat "$dense" >/dev/null
set -- $(best "$bin" probe pan --threads 1 --json "$dense")
dw=$1
if command -v rg >/dev/null 2>&1; then
	set -- $(best rg -c "$regex" "$dense")
	row "pan: 64 MiB dense CSV" "rg -c PAN regex" "${dw} ms" "$1 ms" "$(ratio "$dw" "$1")"
else
	row "pan: 64 MiB dense CSV" "rg (not installed)" "${dw} ms" "-" "-"
fi
