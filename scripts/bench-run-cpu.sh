#!/usr/bin/env bash
# CPU time (user plus system, bash's `time`) of whole-process runs of the six
# paper programs (GPT-4's tool followed by its first use case, one file, as
# latm bench runtime builds them): `latm run FILE` and `python3 FILE` take
# turns, and the fewest seconds of N rounds of each are printed with their
# ratio and the geometric mean of the ratios. CPU time moves less than wall
# time when other processes load the machine.
#
#   go build -o latm . && scripts/bench-run-cpu.sh [./latm] [/usr/bin/python3]
set -euo pipefail
latm=${1:-./latm}
python=${2:-python3}
rounds=${N:-7}
paper=starlarkrt/testdata/paper
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TIMEFORMAT='%3U %3S'
cpu() { { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{print $1 + $2}'; }
logsum=0
n=0
for tool in "$paper"/*.tool.py; do
	task=$(basename "$tool" .tool.py)
	{ cat "$tool"; echo; cat "$paper/${task}_1.py"; } >"$tmp/$task.py"
	lmin=
	pmin=
	for _ in $(seq "$rounds"); do
		l=$(cpu "$latm" run "$tmp/$task.py")
		p=$(cpu "$python" "$tmp/$task.py")
		lmin=$(awk -v a="${lmin:-$l}" -v b="$l" 'BEGIN { print (b < a) ? b : a }')
		pmin=$(awk -v a="${pmin:-$p}" -v b="$p" 'BEGIN { print (b < a) ? b : a }')
	done
	ratio=$(awk -v a="$lmin" -v b="$pmin" 'BEGIN { printf "%.2f", a / b }')
	printf '%-40s latm %6.3fs  python3 %6.3fs  %s×\n' "$task" "$lmin" "$pmin" "$ratio"
	logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN { print s + log(r) }')
	n=$((n + 1))
done
awk -v s="$logsum" -v n="$n" 'BEGIN { printf "geometric mean %.2f× (fewest CPU seconds of each over the rounds)\n", exp(s / n) }'
