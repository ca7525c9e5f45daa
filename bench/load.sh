#!/bin/sh
# Load probe vs wrk (issue 8's acceptance figure): nginx on loopback (own
# config in a temp dir, 6-byte static response, access_log off, one
# worker), then wrk and assay with the same threads, connections and
# duration, alternating, three runs each; the best of three is compared.
# Then assay alone in the open model at 50 % of wrk's best rate (achieved
# vs target and p99), and assay's peak RSS at 10,000 connections.
# Rows use bench/run's columns; ratio = assay req/s / wrk req/s (>1 = assay faster).
# LOAD_BENCH_SECS (default 5) sets each run's duration.
set -u
bin=${1:-build/assay}
secs=${LOAD_BENCH_SECS:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
row() { printf '%-30s %-22s %12s %12s %8s\n' "$@"; }
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	row "load: req/s" "(nginx missing)" "-" "-" "-"
	exit 0
fi
dir=$(mktemp -d /tmp/assay-bench-load.XXXXXX)
trap '"$here/fixtures/load/nginx.sh" stop "$dir"; rm -rf "$dir"' EXIT INT TERM
port=$("$here/fixtures/load/nginx.sh" start "$dir") || exit 1
url="http://127.0.0.1:$port/"
# nginx on CPU 0, the load generator on the others, when there are several
pin=""
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -gt 1 ]; then
	taskset -a -cp 0 "$(cat "$dir/nginx.pid")" >/dev/null 2>&1
	for p in $(pgrep -P "$(cat "$dir/nginx.pid")"); do taskset -a -cp 0 "$p" >/dev/null 2>&1; done
	pin="taskset -c 1-$(($(nproc) - 1))"
fi
ulimit -n 65536 2>/dev/null || true

fact() { sed -n "s/^  $1 = //p" "$2"; }

assay_rps() { # threads conns [extra options] -> req/s
	t=$1 c=$2
	shift 2
	$pin "$bin" probe load "$url" --threads "$t" --connections "$c" --duration "${secs}s" \
		--timeout $((secs + 20)) "$@" >"$dir/assay.out" 2>&1
	fact load.rps "$dir/assay.out"
}

wrk_rps() { # threads conns -> req/s
	$pin wrk -t"$1" -c"$2" -d"${secs}s" "$url" 2>&1 | sed -n 's/^Requests\/sec: *//p'
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }

max_wrk=0
for tc in "1 50" "2 200"; do
	set -- $tc
	a1=$(assay_rps "$1" "$2"); w1=$(wrk_rps "$1" "$2")
	a2=$(assay_rps "$1" "$2"); w2=$(wrk_rps "$1" "$2")
	a3=$(assay_rps "$1" "$2"); w3=$(wrk_rps "$1" "$2")
	if ! command -v wrk >/dev/null 2>&1; then
		row "load: ${1}t/${2}c req/s" "(wrk missing)" "$(best $a1 $a2 $a3)" "-" "-"
		continue
	fi
	a=$(best $a1 $a2 $a3) w=$(best $w1 $w2 $w3)
	row "load: ${1}t/${2}c req/s" "wrk 4.1 (best of 3)" "$a" "$w" \
		"$(awk -v a="$a" -v w="$w" 'BEGIN { printf "%.2f", (w > 0 ? a / w : 0) }')"
	echo "   runs: assay $a1 $a2 $a3 / wrk $w1 $w2 $w3"
	max_wrk=$(best "$max_wrk" "$w")
done

if [ "${max_wrk%.*}" -gt 0 ] 2>/dev/null; then
	rate=$(awk -v w="$max_wrk" 'BEGIN { printf "%d", w / 2 }')
	$pin "$bin" probe load "$url" --threads 2 --connections 200 --duration "${secs}s" \
		--rate "$rate" --timeout $((secs + 20)) >"$dir/rate.out" 2>&1
	ach=$(fact load.rate.achieved "$dir/rate.out")
	p99=$(fact load.latency.p99_ms "$dir/rate.out")
	row "load: --rate 50% of wrk" "target $rate/s" "$ach/s" "p99 ${p99}ms" \
		"$(awk -v a="$ach" -v t="$rate" 'BEGIN { printf "%.3f", a / t }')"
fi

# HTTP/2: assay vs h2load (nghttp2-client) against nghttpd, same threads,
# connections and streams per connection
if command -v h2load >/dev/null 2>&1 && { command -v nghttpd >/dev/null 2>&1 || [ -x /usr/sbin/nghttpd ]; }; then
	mkdir -p "$dir/h2"
	h2port=$("$here/fixtures/load/nghttpd.sh" start "$dir/h2")
	h2url="http://127.0.0.1:$h2port/"
	aa="" hh=""
	for i in 1 2 3; do
		$pin "$bin" probe load "$h2url" --h2 true --threads 1 --connections 10 --streams 10 \
			--duration "${secs}s" --timeout $((secs + 20)) >"$dir/h2.out" 2>&1
		aa="$aa $(fact load.rps "$dir/h2.out")"
		hh="$hh $($pin h2load -t1 -c10 -m10 -D"$secs" "$h2url" 2>&1 |
			sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')"
	done
	"$here/fixtures/load/nghttpd.sh" stop "$dir/h2"
	a=$(best $aa) h=$(best $hh)
	row "load: h2 1t/10c/10s req/s" "h2load 1.52 (best of 3)" "$a" "$h" \
		"$(awk -v a="$a" -v w="$h" 'BEGIN { printf "%.2f", (w > 0 ? a / w : 0) }')"
	echo "   runs: assay$aa / h2load$hh"
else
	row "load: h2 req/s" "(h2load/nghttpd missing)" "-" "-" "-"
fi

# peak RSS at 10,000 connections (a short closed run); GNU time reports it
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$dir/rss" "$bin" probe load "$url" --threads 2 \
		--connections 10000 --duration 3s --timeout 30 >"$dir/c10k.out" 2>&1
	rss=$(awk '{ printf "%.1f", $1 / 1024 }' "$dir/rss")
	row "load: peak RSS 10k conns" "(limit 64 MiB)" "${rss} MiB" "-" "-"
	echo "   10k conns: connects $(fact load.connects "$dir/c10k.out"), req/s $(fact load.rps "$dir/c10k.out"), connect errors $(fact load.errors.connect "$dir/c10k.out")"
fi
