#!/bin/sh
# TLS probe vs sslscan and testssl.sh (Debian packages) on the same loopback
# fixture endpoints (fixtures/tls/serve.sh), one run each, in bench/run's
# columns: benchmark, peer, assay time, peer time, ratio (peer/assay, >1 =
# assay faster). assay runs its full check set (all protocols and suites,
# groups, certificate, Heartbleed, CCS, fallback, compression, grade);
# sslscan its default scan; testssl.sh its default run (`testssl.sh -q`).
# Each fixture is a fresh server, so no tool profits from another's session.
# TLS_BENCH_KINDS and TLS_BENCH_PEERS narrow the run (testssl.sh takes
# minutes per endpoint). Debian installs testssl.sh as `testssl`.
set -u
bin=${1:-build/assay}
here=$(cd "$(dirname "$0")/.." && pwd)
pki=/tmp/assay-tls-pki-$(id -u)-$(date -u +%Y%m)
sh "$here/fixtures/tls/mkcerts.sh" "$pki" || exit 1

ms() { echo $(($(date +%s%N) / 1000000)); }

row() {
	printf '%-30s %-22s %12s %12s %8s\n' "$1" "$2" "$3" "$4" "$5"
}

# time_of CMD...: wall milliseconds of one run, output discarded.
time_of() {
	t0=$(ms)
	"$@" >/dev/null 2>&1 </dev/null
	echo $(($(ms) - t0))
}

ratio() {
	awk -v a="$1" -v p="$2" 'BEGIN { if (a > 0) printf "%.1fx", p / a; else print "-" }'
}

for kind in ${TLS_BENCH_KINDS:-good legacy tls13 3des}; do
	for peer in ${TLS_BENCH_PEERS:-sslscan testssl}; do
		if ! command -v "$peer" >/dev/null 2>&1; then
			row "tls: $kind" "$peer (missing)" "-" "-" "-"
			continue
		fi
		if ! srv=$(sh "$here/fixtures/tls/serve.sh" "$kind" "$pki" 600); then
			row "tls: $kind" "$peer" "-" "-" "no fixture"
			continue
		fi
		set -- $srv
		port=$1 pid=$2
		t0=$(ms)
		"$bin" probe tls "127.0.0.1:$port" --ca-file "$pki/root.pem" >/dev/null 2>&1 </dev/null
		code=$?
		a=$(($(ms) - t0))
		kill "$pid" 2>/dev/null
		if [ $code -ne 0 ]; then
			row "tls: $kind" "$peer" "exit $code" "-" "failed"
			continue
		fi
		if ! srv=$(sh "$here/fixtures/tls/serve.sh" "$kind" "$pki" 600); then
			row "tls: $kind" "$peer" "${a} ms" "-" "no fixture"
			continue
		fi
		set -- $srv
		port=$1 pid=$2
		if [ "$peer" = sslscan ]; then
			p=$(time_of sslscan --no-colour "127.0.0.1:$port")
		else
			p=$(time_of testssl -q --color 0 --warnings off --ip one "127.0.0.1:$port")
		fi
		kill "$pid" 2>/dev/null
		row "tls: $kind" "$peer" "${a} ms" "${p} ms" "$(ratio "$a" "$p")"
	done
done
