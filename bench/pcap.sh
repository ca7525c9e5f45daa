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
# Times are the best of 3 runs (tshark: 1 run, it is slow), wall clock and,
# with GNU time, CPU (user + system); the ratio is peer time / assay time
# (>1: assay faster). Peak RSS is GNU
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
gnutime=""
[ -x /usr/bin/time ] && gnutime=/usr/bin/time
# runs of a command (first argument: how many): best "wall_ms cpu_ms"
# (cpu is user + system with GNU time, steadier than wall time on a busy
# machine; "-" without it)
best() {
	n=$1
	shift
	bw="" bc=""
	for _ in $(seq 1 "$n"); do
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
mbs() { echo "$1 $2" | awk '{ printf "%.0f MB/s", $1 / 1e6 / ($2 / 1000) }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.1f", $2 / $1 }'; }

set -- $(best 3 "$bin" probe pcap --json "$file")
aw=$1 ac=$2
rss=""
[ -n "$gnutime" ] &&
	rss=$($gnutime -f %M "$bin" probe pcap --json "$file" 2>&1 >/dev/null | tail -n 1)
label="pcap: $((bytes / 1000000)) MB capture"
if command -v tshark >/dev/null 2>&1; then
	set -- $(best 1 tshark -n -r "$file" -Y 'frame matches "[0-9]{16}"')
	pw=$1 pc=$2
	row "$label" "tshark -Y frame matches" "${aw} ms" "${pw} ms" "$(ratio "$aw" "$pw")"
	[ "$ac" != - ] && [ "$pc" != - ] &&
		row "  cpu time (user+sys)" "" "${ac} ms" "${pc} ms" "$(ratio "$ac" "$pc")"
	row "  throughput (wall)" "" "$(mbs "$bytes" "$aw")" "$(mbs "$bytes" "$pw")" ""
	[ "$ac" != - ] && [ "$pc" != - ] &&
		row "  throughput (cpu)" "" "$(mbs "$bytes" "$ac")" "$(mbs "$bytes" "$pc")" ""
else
	row "$label" "tshark (not installed)" "${aw} ms" "-" "-"
	row "  throughput (wall)" "apt-get install tshark" "$(mbs "$bytes" "$aw")" "-" ""
	[ "$ac" != - ] && row "  throughput (cpu)" "" "$(mbs "$bytes" "$ac")" "-" ""
fi
[ -n "$rss" ] && row "  peak RSS" "" "$((rss / 1024)) MiB" "" ""
exit 0
