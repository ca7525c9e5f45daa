#!/bin/sh
# The http probe beside wapiti (Debian's web scanner) on the same loopback
# fixture site (fixtures/http/site.sh), in bench/run's columns: benchmark,
# peer, assay time, peer time, ratio (peer/assay, >1 = assay faster).
# Both crawl the site from its home page over https: assay with --crawl 20
# and every check it has (headers, cookies, methods, CORS, disclosure,
# listings, scripts, card data); wapiti with its modules that overlap
# (http_headers, cookieflags, csp, methods), a fresh session each run.
# Wall time, best of 3 runs. wapiti missing: its row says so.
set -u
bin=${1:-build/assay}
here=$(cd "$(dirname "$0")/.." && pwd)
row() { printf '%-30s %-22s %12s %12s %8s\n' "$@"; }
ms() { echo $(($(date +%s%N) / 1000000)); }
# best CMD...: the best wall milliseconds of 3 runs, output discarded
best() {
	b=""
	for _ in 1 2 3; do
		t0=$(ms)
		"$@" >/dev/null 2>&1 </dev/null
		t=$(($(ms) - t0))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}
work=$(mktemp -d "${TMPDIR:-/tmp}/assay-bench-http.XXXXXX")
trap 'sh "$here/fixtures/http/site.sh" stop "$work/site"; rm -rf "$work"' EXIT
mkdir -p "$work/site"
if ! ports=$(sh "$here/fixtures/http/site.sh" start "$work/site"); then
	row "http: fixture site crawl" "-" "-" "-" "nginx did not start"
	exit 0
fi
set -- $ports
url=https://127.0.0.1:$2/
a=$(best "$bin" probe http "$url" --crawl 20 --ca-file "$work/site/cert.pem" --json)
if ! command -v wapiti >/dev/null 2>&1; then
	row "http: fixture site crawl" "wapiti (missing)" "${a} ms" "-" "-"
	exit 0
fi
wap() {
	rm -rf "$work/wapiti"
	wapiti -u "$url" --scope folder -m http_headers,cookieflags,csp,methods --verify-ssl 0 \
		--flush-session --store-session "$work/wapiti" --store-config "$work/wapiti" \
		-f json -o "$work/wapiti.json"
}
p=$(best wap)
row "http: fixture site crawl" "wapiti" "${a} ms" "${p} ms" \
	"$(awk -v a="$a" -v p="$p" 'BEGIN { if (a > 0) printf "%.1fx", p / a; else print "-" }')"
