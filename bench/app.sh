#!/bin/sh
# The app probe's ELF checks beside checksec (Debian's checksec 2.6, the
# bash tool that runs readelf several times per file) over every ELF under
# the same folders, by default /usr/bin and /usr/lib (APP_BENCH_DIRS).
#
# assay: `assay probe app DIR --each true --json` per folder (the walk, the
# checks, one summary finding per ELF); best of 3 runs after one that warms
# the page cache. checksec: `checksec --output=csv --dir=DIR`, one run (it
# takes minutes). The ratio is checksec time / assay time (>1: assay
# faster; the target is >= 50). Then the per-field agreement over the files
# both tools checked: RELRO, canary, NX, PIE, RPATH, RUNPATH, symbols,
# FORTIFY and the fortified/fortifiable counts. Known, intended
# differences: assay counts DF_1_NOW as full RELRO, and FORTIFY counts use
# glibc 2.36's list rather than the host libc's (identical on Debian 12).
set -u
bin=$1
dirs=${APP_BENCH_DIRS:-/usr/bin /usr/lib}
work=${TMPDIR:-/tmp}/assay-bench-app
mkdir -p "$work"
row() { printf '%-30s %-22s %12s %12s %8s\n' "$@"; }
if ! command -v checksec >/dev/null 2>&1; then
	row "app: ELF checks" "checksec" "-" "-" "no checksec (apt-get install checksec)"
	exit 0
fi
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
ta=0 tc=0
: >"$work/assay.jsonl"
: >"$work/checksec.csv"
for d in $dirs; do
	[ -d "$d" ] || continue
	"$bin" probe app "$d" --timeout 3600 >/dev/null 2>&1 # warm the cache
	best=""
	for _ in 1 2 3; do
		t0=$(now)
		"$bin" probe app "$d" --each true --json --timeout 3600 >"$work/a.json" 2>/dev/null
		t1=$(now)
		w=$(ms "$t0" "$t1")
		if [ -z "$best" ] || [ "$w" -lt "$best" ]; then best=$w; fi
	done
	cat "$work/a.json" >>"$work/assay.jsonl"
	echo >>"$work/assay.jsonl"
	t0=$(now)
	checksec --output=csv --dir="$d" >>"$work/checksec.csv" 2>/dev/null
	t1=$(now)
	ta=$((ta + best))
	tc=$((tc + $(ms "$t0" "$t1")))
done
python3 - "$work/assay.jsonl" "$work/checksec.csv" "$ta" "$tc" "$dirs" <<'PY'
import json, sys
aj, cs, ta, tc, dirs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ours = {}
dec = json.JSONDecoder()
text = open(aj).read()
i = 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    for f in obj.get("findings", []):
        if f["kind"] != "elf-summary":
            continue
        kv = dict(p.split("=", 1) for p in f["message"].split())
        ours[f["location"]["file"]] = kv
theirs = {}
relro = {"Full RELRO": "full", "Partial RELRO": "partial", "No RELRO": "none"}
pie = {"PIE enabled": "yes", "No PIE": "no", "DSO": "dso", "REL": "rel"}
for line in open(cs, errors="replace"):
    p = line.rstrip("\n").split(",")
    if len(p) < 11 or p[0] not in relro:
        continue
    theirs[",".join(p[10:])] = {
        "relro": relro[p[0]],
        "canary": "yes" if p[1] == "Canary found" else "no",
        "nx": "yes" if p[2] == "NX enabled" else "no",
        "pie": pie.get(p[3], p[3]),
        "rpath": "yes" if p[4] == "RPATH" else "no",
        "runpath": "yes" if p[5] == "RUNPATH" else "no",
        "symbols": "yes" if p[6] == "Symbols" else "no",
        "fortify": "yes" if p[7] == "Yes" else "no",
        "fortified": p[8],
        "fortifiable": p[9],
    }
both = sorted(set(ours) & set(theirs))
row = lambda *a: print("%-30s %-22s %12s %12s %8s" % a)
ratio = "%.1f" % (tc / ta) if ta else "-"
row("app: ELF checks (%d files)" % len(both), "checksec --dir", "%d ms" % ta, "%d ms" % tc, ratio)
print("  files: assay %d, checksec %d, both %d (%s)" % (len(ours), len(theirs), len(both), dirs))
fields = ["relro", "canary", "nx", "pie", "rpath", "runpath", "symbols", "fortify", "fortified", "fortifiable"]
for k in fields:
    agree = sum(1 for f in both if ours[f][k] == theirs[f][k])
    diff = [f for f in both if ours[f][k] != theirs[f][k]]
    ex = ""
    if diff:
        f = diff[0]
        ex = "  e.g. %s: assay %s, checksec %s" % (f, ours[f][k], theirs[f][k])
    print("  %-12s agree %5d/%d (%.2f%%)%s" % (k, agree, len(both), 100.0 * agree / max(len(both), 1), ex))
PY
