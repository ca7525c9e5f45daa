#!/bin/sh
# Harness overhead: one run of the demo plan (two exec probes, the example
# rule set, results.json and JUnit), averaged over 20 runs. No peer tool.
set -eu
bin=$1
runs=20
t0=$(date +%s%N)
i=0
while [ $i -lt $runs ]; do
	"$bin" run examples/demo.ini -o /tmp/assay-bench-demo -q --format json,junit >/dev/null 2>&1 || true
	i=$((i + 1))
done
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000 / runs))
printf '%-30s %-22s %12s %12s %8s\n' "harness: demo plan run" "(no peer)" "${ms} ms" "-" "-"
