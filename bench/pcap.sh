#!/bin/sh
# The pcap probe beside tshark on the same page-cached capture.
#
# Capture: `pcap-gen bench` (fixtures/pcap/gen.c) writes PCAP_BENCH_MIB MiB
# (512 by default, so >= 500 MB) of HTTP flows over Ethernet: 64 KiB
# requests in 1460-byte segments, text with digits, one card number per
# flow. Peer: Debian's tshark with the display filter
# `frame matches "[0-9]{16}"`, which only looks for 16 digits in a row in
# each frame (no reassembly, no Luhn, no brands); assay reassembles every
# stream, scans it for every kind of card data and writes masked findings.
# Times are the best of 3 runs (tshark: 1 run, it is slow), wall clock; the
# ratio is peer time / assay time (>1: assay faster). Peak RSS is GNU
# time's %M of assay (the probe runs in a child; time reports the largest).
# Without tshark the row says how to install it (not in deps.debian: it is
# heavy and `make test` does not need it).
set -u
bin=$1
dir=$(dirname "$bin")
gen=$dir/pcap-gen
mib=${PCAP_BENCH_MIB:-512}
work=${TMPDIR:-/tmp}/assay-bench-pcap
file=$work/http-$mib.pcap
row() { printf '%-30s %-22s %12s %12s %8s\n' "$@"; }

if [ ! -x "$gen" ]; then
	row "pcap: $mib MiB capture" "-" "-" "-" "no $gen (make bench builds it)"
	exit 0
fi
mkdir -p "$work"
if [ ! -s "$file" ]; then
	"$gen" bench "$file" "$mib" || exit 1
fi
cat "$file" >/dev/null # page cache
bytes=$(stat -c %s "$file")

now() { date +%s%N; }
# wall ms of one run
once() {
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo $(((t1 - t0) / 1000000))
}
best() {
	b=""
	for _ in 1 2 3; do
		w=$(once "$@")
		if [ -z "$b" ] || [ "$w" -lt "$b" ]; then b=$w; fi
	done
	echo "$b"
}
mbs() { echo "$1 $2" | awk '{ printf "%.0f MB/s", $1 / 1e6 / ($2 / 1000) }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.1f", $2 / $1 }'; }

aw=$(best "$bin" probe pcap --json "$file")
rss=""
[ -x /usr/bin/time ] &&
	rss=$(/usr/bin/time -f %M "$bin" probe pcap --json "$file" 2>&1 >/dev/null | tail -n 1)
label="pcap: $((bytes / 1000000)) MB capture"
if command -v tshark >/dev/null 2>&1; then
	pw=$(once tshark -n -r "$file" -Y 'frame matches "[0-9]{16}"')
	row "$label" "tshark -Y frame matches" "${aw} ms" "${pw} ms" "$(ratio "$aw" "$pw")"
	row "  throughput" "" "$(mbs "$bytes" "$aw")" "$(mbs "$bytes" "$pw")" ""
else
	row "$label" "tshark (not installed)" "${aw} ms" "-" "-"
	row "  throughput" "apt-get install tshark" "$(mbs "$bytes" "$aw")" "-" ""
fi
[ -n "$rss" ] && row "  peak RSS" "" "$((rss / 1024)) MiB" "" ""
exit 0
