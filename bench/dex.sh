#!/bin/sh
# The app probe's DEX reference reading beside dexdump (AOSP's, Debian's
# dexdump package: the tool the tests compare with) on one large multidex
# APK made here: three classes*.dex assembled by smali, each with 150
# classes of 100 methods, every method calling two methods of its own
# (about 45,000 method ids per file, near Dalvik's 64 Ki limit), plus the
# manifest and resources of the fixture app (fixtures/app/mkapk.sh).
#
# assay: `assay probe app big.apk --json` (zip, manifest, signatures, DEX
# strings and id tables, method bodies), best of 3. dexdump: `dexdump -d` over the three
# files (it disassembles every method, which the distinct-method count
# needs), one run. Ratio: dexdump / assay. Agreement: the distinct
# `Lclass;->name` methods of both tools; types are shown as assay's
# distinct count beside dexdump's type_ids_size summed over the files
# (java/lang/Object and the like are in each file).
set -u
bin=$1
work=${TMPDIR:-/tmp}/assay-bench-dex
mkdir -p "$work"
row() { printf '%-30s %-22s %12s %12s %8s\n' "$@"; }
for t in smali dexdump python3; do
	command -v "$t" >/dev/null 2>&1 || {
		row "app: DEX references" "dexdump -d" "-" "-" "no $t"
		exit 0
	}
done
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
if [ ! -f "$work/big.apk" ]; then
	fx=$(sh fixtures/app/mkapk.sh "$work/fx") || exit 1
	for d in 1 2 3; do
		rm -rf "$work/s$d" && mkdir -p "$work/s$d"
		python3 - "$work/s$d" "$d" <<'PY'
import sys
out, d = sys.argv[1], int(sys.argv[2])
for c in range(150):
    cls = "Lcom/bench/d%d/C%d;" % (d, c)
    body = [".class public %s" % cls, ".super Ljava/lang/Object;", ""]
    for m in range(100):
        body += [".method public static m%d()V" % m, "    .registers 0",
                 "    invoke-static {}, Lcom/bench/ext%d/E%d;->a%d()V" % (d, c, m),
                 "    invoke-static {}, Lcom/bench/ext%d/F%d;->b%d()V" % (d, c, m),
                 "    return-void", ".end method", ""]
    open("%s/C%d.smali" % (out, c), "w").write("\n".join(body))
PY
		n=$([ "$d" = 1 ] && echo "" || echo "$d")
		smali a -o "$work/classes$n.dex" "$work/s$d" || exit 1
		rm -rf "$work/s$d"
	done
	python3 - "$fx/good.apk" "$work" <<'PY'
import sys, zipfile
src, work = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(work + "/big.apk", "w", zipfile.ZIP_DEFLATED) as o:
    for n in ("AndroidManifest.xml", "resources.arsc"):
        o.writestr(n, z.read(n))
    for n in ("classes.dex", "classes2.dex", "classes3.dex"):
        o.write(work + "/" + n, n)
PY
fi
"$bin" probe app "$work/big.apk" --json >/dev/null 2>&1 # warm the cache
best=""
for _ in 1 2 3; do
	t0=$(now)
	"$bin" probe app "$work/big.apk" --json --timeout 600 >"$work/a.json" 2>/dev/null
	t1=$(now)
	w=$(ms "$t0" "$t1")
	if [ -z "$best" ] || [ "$w" -lt "$best" ]; then best=$w; fi
done
t0=$(now)
(cd "$work" && for f in classes.dex classes2.dex classes3.dex; do dexdump -d "$f"; done >dump.txt)
t1=$(now)
td=$(ms "$t0" "$t1")
theirs=$(cd "$work" && { grep -oE 'L[^ ]+;\.[^:]+:[^ ]* // method@' dump.txt |
	sed -E 's/;\.([^:]+):.*/;->\1/'
grep -oE '\|\[[0-9a-f]+\] [^ ]+:\(' dump.txt |
	sed -E 's/^\|\[[0-9a-f]+\] //; s/:\($//; s/\.([^.]+)$/;->\1/; s/^/L/; :a; s/^([^;]*)\./\1\//; ta'; } |
	sort -u | wc -l)
types=$(cd "$work" && for f in classes.dex classes2.dex classes3.dex; do dexdump -f "$f"; done |
	awk '/type_ids_size/ {t += $3} END {print t}')
ours=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["facts"]; print(f["app.android.dex.methods"], f["app.android.dex.types"])' "$work/a.json")
row "app: DEX references (3 files)" "dexdump -d" "$best ms" "$td ms" "$(awk "BEGIN {printf \"%.1f\", $td / ($best ? $best : 1)}")"
echo "  distinct methods: assay ${ours% *}, dexdump $theirs; types: assay ${ours#* } distinct, dexdump $types summed over the files"
