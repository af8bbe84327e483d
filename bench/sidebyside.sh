#!/usr/bin/env bash
# sidebyside.sh runs `stepwise bench` in several configurations, alternating them round after
# round, and prints each run and the medians of each configuration's per-round ratios to the
# first one. It is how issue #17's bound ("switched on, they cost ≤ 10 % of the chain bench's
# throughput, measured side by side") is measured: on a shared machine a single run's rate
# swings by a quarter, so only alternated rounds compared within a round say anything.
#
#	bench/sidebyside.sh [-r ROUNDS] [-n EXECUTIONS] [-s STORE] [-b BINARY] [-l ADDR] LABEL[@BINARY]=FLAGS ...
#
#	bench/sidebyside.sh -r 10 off= \
#	  'b100=--events-webhook http://127.0.0.1:4318/events --events-webhook-batch 100'
#
# Each configuration is a label and the flags it adds to `stepwise bench --scenario chain
# --executions N`; the first is the baseline. Odd rounds run them in the order given, even
# rounds in the reverse order. A label may name the binary it runs
# (old@/tmp/stepwise-old=FLAGS), to compare two builds in the same rounds. bench/otlpsink is
# started on ADDR (default 127.0.0.1:4318; unless something listens there) to receive events
# and spans on the same cores, as a receiver would in this measurement. BINARY is a stepwise binary (default: one
# built from this checkout). STORE is sqlite (a new file each run, the default) or
# a postgres:// URL without search_path: each run gets the schema sidebyside, dropped and
# created first (psql on PATH).
#
# Traces go where OTEL_EXPORTER_OTLP_ENDPOINT says, for the configurations given --traced:
#
#	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 bench/sidebyside.sh off= \
#	  'all=--traced --execution-logs /tmp/logs.jsonl --events-webhook http://127.0.0.1:4318/events --events-webhook-batch 100'
#
# Columns: executions/s and the bench process's CPU per execution (with events, counting the
# wait until all were delivered), then the whole machine's busy CPU per execution from
# /proc/stat (the receiver's and PostgreSQL's included), and the delivery lag p50.
set -euo pipefail

rounds=10 executions=16000 storeurl=sqlite bin= listen=127.0.0.1:4318
while getopts r:n:s:b:l: o; do
	case $o in
	r) rounds=$OPTARG ;;
	n) executions=$OPTARG ;;
	s) storeurl=$OPTARG ;;
	b) bin=$OPTARG ;;
	l) listen=$OPTARG ;;
	*) sed -n '2,/^set /p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 2 ]; then
	echo "sidebyside: give at least two configurations, LABEL=FLAGS (the first the baseline)" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
sink=
trap '[ -n "$sink" ] && kill "$sink" 2>/dev/null; rm -rf "$work"' EXIT
if [ -z "$bin" ]; then
	bin=$work/stepwise
	(cd "$root" && go build -o "$bin" ./cmd/stepwise)
fi
listening() { (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null; }
if ! listening; then
	(cd "$root" && go build -o "$work/otlpsink" ./bench/otlpsink)
	"$work/otlpsink" -listen "$listen" -every 0 2>/dev/null &
	sink=$!
	for _ in $(seq 50); do listening && break; sleep 0.1; done
fi

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8; exit}' /proc/stat; } # user nice system irq softirq, in ticks
hz=$(getconf CLK_TCK)

echo "| round | configuration | executions/s | CPU per execution (bench) | CPU per execution (machine) | lag p50 |"
echo "|---|---|---|---|---|---|"
for r in $(seq "$rounds"); do
	# Odd rounds run the configurations in the order given, even rounds in the reverse one: a
	# run's place in its round (what the run before it left behind: dirty pages being written
	# back, a warm or cold cache) then favours no configuration over the rounds.
	order=("$@")
	if (( r % 2 == 0 )); then
		order=()
		for (( i = $#; i >= 1; i-- )); do order+=("${!i}"); done
	fi
	for config in "${order[@]}"; do
		label=${config%%=*} flags=${config#*=} run=$bin
		if [[ $label == *@* ]]; then
			run=${label#*@} label=${label%%@*}
		fi
		store=()
		if [[ $storeurl == postgres* ]]; then
			# A failure shows on stderr and stops the script (set -e): no run on a stale schema.
			psql -q -v ON_ERROR_STOP=1 "${storeurl%%\?*}" >/dev/null \
				-c 'SET client_min_messages = warning' -c 'DROP SCHEMA IF EXISTS sidebyside CASCADE' -c 'CREATE SCHEMA sidebyside'
			sep='?'; [[ $storeurl == *\?* ]] && sep='&'
			store=(--store "$storeurl${sep}search_path=sidebyside")
		fi
		# What the runs before left in the page cache (an execution log file's dirty pages,
		# written back 30 s later) is written now, before the clock starts, so that it does
		# not land on this run: without it, the runs after one writing logs were slower.
		sync
		b0=$(busy)
		# shellcheck disable=SC2086 # the flags are words
		out=$("$run" bench --scenario chain --executions "$executions" "${store[@]}" $flags 2>&1) || { echo "$out" >&2; exit 1; }
		b1=$(busy)
		rate=$(echo "$out" | awk -F'|' '/^\| chain /{gsub(/ /,"",$6); print $6}')
		cpu=$(echo "$out" | awk -F'|' '/^\| chain /{gsub(/[ µs]/,"",$11); print $11}')
		if d=$(echo "$out" | grep -o 'counting their delivery: [0-9]* executions/s, [0-9]* µs'); then
			rate=$(echo "$d" | awk '{print $4}') cpu=$(echo "$d" | awk '{print $6}')
		fi
		lag=$(echo "$out" | grep -o 'p50 [0-9.]*[µm]*s' | head -1 | cut -c5-) || true
		machine=$(( (b1 - b0) * 1000000 / hz / executions ))
		echo "| $r | $label | $rate | $cpu µs | $machine µs | ${lag:--} |"
		echo "$r $label $rate $cpu $machine" >>"$work/runs"
	done
done

# Medians of the per-round ratios to the baseline (the first configuration).
echo
echo "| configuration | throughput | CPU (bench) | CPU (machine) | rounds |"
echo "|---|---|---|---|---|"
base=${1%%=*}
base=${base%%@*}
shift
for config in "$@"; do
	label=${config%%=*}
	label=${label%%@*}
	awk -v b="$base" -v l="$label" '
		$2 == b { rate[$1] = $3; cpu[$1] = $4; mach[$1] = $5 }
		$2 == l { r[$1] = $3; c[$1] = $4; m[$1] = $5 }
		function median(a, n,    i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END {
			n = 0
			for (k in r) if (k in rate && rate[k] > 0 && cpu[k] > 0 && mach[k] > 0) {
				n++; x[n] = r[k] / rate[k]; y[n] = c[k] / cpu[k]; z[n] = m[k] / mach[k]
				lo = (n == 1 || x[n] < lo) ? x[n] : lo; hi = (n == 1 || x[n] > hi) ? x[n] : hi
			}
			if (n == 0) { print "| " l " | - | - | - | 0 |"; exit }
			printf "| %s | %.2f× (%.2f to %.2f×) | %.2f× | %.2f× | %d |\n", l, median(x, n), lo, hi, median(y, n), median(z, n), n
		}' "$work/runs"
done
