#!/usr/bin/env bash
# run.sh measures the benchmark figures of the ERP adapter issue (snapshot
# reads), the sync engine issue (re-projection, stock change to ack) and the
# orders issue (durable webhook intake, oversell reaction) and prints one
# table: figure, median value, goal, naive baseline, load.
#
#   bash scripts/bench/run.sh                        # the issues' sizes
#   SNAP_PRODUCTS=20000 PROJ_PRODUCTS=10000 bash scripts/bench/run.sh   # quicker
#
# It creates its own PostgreSQL databases (an ERP and a hub state) and drops
# them at the end. Settings (environment):
#   PG_ADMIN        a PostgreSQL URL to create databases from
#                   (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable)
#   SNAP_PRODUCTS   products for the snapshot reads (200000)
#   SNAP_SMALL      products for the RSS comparison (50000; 0 skips)
#   PROJ_PRODUCTS   products for the projection (100000)
#   STORES          stores (10)
#   PUSH_PRODUCTS   products behind the stock-change measurement (1000)
#   CHANGES         stock changes timed (200); NAIVE_CHANGES for the baseline (10)
#   REPEAT          repeats of each measurement, median reported (3)
#   NAIVE_REPEAT    repeats of the naive full re-projection (1)
#   INTAKE_SECONDS  seconds of each webhook intake run (10)
#   INTAKE_WORKERS  load generator workers at saturation (64)
#   INTAKE_RATE     fixed rate for the latency figure, orders/s (500)
#   OVERSELL_ORDERS orders timed by the oversell reaction (100)
#   ONLY            run only: snapshot, project, push or orders (default all)
#   KEEP            directory to keep logs and profiles in (default a temp dir, removed)
set -euo pipefail

PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
SNAP_PRODUCTS=${SNAP_PRODUCTS:-200000}
SNAP_SMALL=${SNAP_SMALL:-50000}
PROJ_PRODUCTS=${PROJ_PRODUCTS:-100000}
STORES=${STORES:-10}
PUSH_PRODUCTS=${PUSH_PRODUCTS:-1000}
CHANGES=${CHANGES:-200}
NAIVE_CHANGES=${NAIVE_CHANGES:-10}
REPEAT=${REPEAT:-3}
NAIVE_REPEAT=${NAIVE_REPEAT:-1}
INTAKE_SECONDS=${INTAKE_SECONDS:-10}
INTAKE_WORKERS=${INTAKE_WORKERS:-64}
INTAKE_RATE=${INTAKE_RATE:-500}
OVERSELL_ORDERS=${OVERSELL_ORDERS:-100}
ONLY=${ONLY:-}

root=$(cd "$(dirname "$0")/../.." && pwd)
work=${KEEP:-$(mktemp -d -t erpbridge-bench-XXXXXX)}
mkdir -p "$work"
suffix=$(date +%s)_$$
erp_db=erpbench_erp_$suffix
state_db=erpbench_state_$suffix
small_db=erpbench_small_$suffix
orders_db=erpbench_orders_$suffix
results=$work/results.txt
: >"$results"

url_for() { # url_for DBNAME: PG_ADMIN with its database replaced
	local base=${PG_ADMIN%%\?*} query=""
	[[ $PG_ADMIN == *\?* ]] && query="?${PG_ADMIN#*\?}"
	echo "${base%/*}/$1$query"
}
psql_admin() { psql "$PG_ADMIN" -qAtX -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }

cleanup() {
	for db in "$erp_db" "$state_db" "$small_db" "$orders_db"; do
		psql_admin "DROP DATABASE IF EXISTS $db" || true
	done
	[[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

echo "building into $work" >&2
(cd "$root" && go build -o "$work/bench" ./scripts/bench && go build -o "$work/erpgen" ./scripts/erpgen &&
	go build -o "$work/loadgen" ./scripts/loadgen)
bench=$work/bench
erpgen=$work/erpgen

load() { awk '{print $1}' /proc/loadavg; }

# measure NAME CMD...: runs CMD under /usr/bin/time, records its RESULT line
# with the figure renamed NAME, the peak RSS and the 1-minute load before it.
measure() {
	local name=$1
	shift
	local before out
	before=$(load)
	out=$(/usr/bin/time -f "MAXRSS %M" -o "$work/time.txt" "$@" 2>>"$work/stderr.log" | grep '^RESULT' || true)
	if [[ -z $out ]]; then
		echo "bench: $name failed; see $work/stderr.log" >&2
		tail -5 "$work/stderr.log" >&2
		exit 1
	fi
	local rss
	rss=$(awk '/MAXRSS/ {printf "%.1f", $2/1024}' "$work/time.txt")
	echo "$out name=$name peak_rss_mb=$rss load=$before" | tee -a "$results" >&2
}

# median NAME KEY: the median of KEY over the RESULT lines of NAME.
median() {
	grep " name=$1 " "$results" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}' | sort -g |
		awk '{v[NR] = $1} END {if (NR == 0) {print "-"} else if (NR % 2) {print v[(NR + 1) / 2]} else {printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}}'
}

if [[ -z $ONLY || $ONLY == snapshot ]]; then
	psql_admin "CREATE DATABASE $erp_db"
	erp_url=$(url_for "$erp_db")
	echo "ERP fixture: $SNAP_PRODUCTS products" >&2
	"$erpgen" -driver postgres -dsn "$erp_url" -products "$SNAP_PRODUCTS" 2>>"$work/stderr.log"
	for r in $(seq "$REPEAT"); do
		measure snap-query "$bench" snapshot -query-only -erp-dsn "$erp_url"
	done
	for backend in sqlite postgres; do
		if [[ $backend == sqlite ]]; then
			state_url=$work/state-snap.db
			rm -f "$state_url"*
		else
			psql_admin "DROP DATABASE IF EXISTS $state_db"
			psql_admin "CREATE DATABASE $state_db"
			state_url=$(url_for "$state_db")
		fi
		measure "snap-first-$backend" "$bench" snapshot -state-driver "$backend" -state-dsn "$state_url" -erp-dsn "$erp_url"
		for r in $(seq "$REPEAT"); do
			"$erpgen" -driver postgres -dsn "$erp_url" -bump 100 2>>"$work/stderr.log"
			measure "snap-second-$backend" "$bench" snapshot -state-driver "$backend" -state-dsn "$state_url" -erp-dsn "$erp_url" \
				-cpuprofile "$work/snap-second-$backend-$r.prof"
		done
		# For comparison only: the Runner's snapshot reads every kind; a
		# prices-and-stock read is what a schedule of their own would cost.
		"$erpgen" -driver postgres -dsn "$erp_url" -bump 100 2>>"$work/stderr.log"
		measure "snap-pricestock-$backend" "$bench" snapshot -kinds price,stock -state-driver "$backend" -state-dsn "$state_url" -erp-dsn "$erp_url"
	done
	if ((SNAP_SMALL > 0)); then
		psql_admin "CREATE DATABASE $small_db"
		small_url=$(url_for "$small_db")
		"$erpgen" -driver postgres -dsn "$small_url" -products "$SNAP_SMALL" 2>>"$work/stderr.log"
		rm -f "$work/state-small.db"*
		measure snap-first-small "$bench" snapshot -state-dsn "$work/state-small.db" -erp-dsn "$small_url"
		"$erpgen" -driver postgres -dsn "$small_url" -bump 100 2>>"$work/stderr.log"
		measure snap-second-small "$bench" snapshot -state-dsn "$work/state-small.db" -erp-dsn "$small_url"
	fi
fi

if [[ -z $ONLY || $ONLY == project ]]; then
	rm -f "$work/proj.db"*
	measure project-scratch "$bench" project -state "$work/proj.db" -products "$PROJ_PRODUCTS" -stores "$STORES" -phase scratch
	for r in $(seq "$REPEAT"); do
		for mode in incremental full; do
			[[ $mode == full ]] && ((r > NAIVE_REPEAT)) && continue
			rm -f "$work/proj-$mode.db"*
			cp "$work/proj.db" "$work/proj-$mode.db"
			measure "project-bump-$mode" "$bench" project -state "$work/proj-$mode.db" -products "$PROJ_PRODUCTS" -stores "$STORES" \
				-phase bump -mode "$mode" -cpuprofile "$work/project-$mode-$r.prof"
		done
	done
fi

if [[ -z $ONLY || $ONLY == push ]]; then
	for r in $(seq "$REPEAT"); do
		measure push-changed "$bench" push -products "$PUSH_PRODUCTS" -stores "$STORES" -changes "$CHANGES" -latency 20ms -batch 100 -mode changed
	done
	measure push-all "$bench" push -products "$PUSH_PRODUCTS" -stores "$STORES" -changes "$NAIVE_CHANGES" -latency 20ms -batch 100 -mode all
fi

if [[ -z $ONLY || $ONLY == orders ]]; then
	# The intake server and the load generator are separate processes; the
	# server's inbox count must equal the deliveries answered 202.
	export LOADGEN_SECRET=bench-intake-$suffix
	for backend in sqlite postgres; do
		for mode in group single; do
			if [[ $backend == sqlite ]]; then
				dsn=$work/intake-$mode.db
				rm -f "$dsn"*
			else
				psql_admin "DROP DATABASE IF EXISTS $orders_db"
				psql_admin "CREATE DATABASE $orders_db"
				dsn=$(url_for "$orders_db")
			fi
			flags=()
			[[ $mode == single ]] && flags=(-no-group-commit)
			rm -f "$work/intake.addr"
			"$bench" intake-server -state-driver "$backend" -state-dsn "$dsn" -addr-file "$work/intake.addr" "${flags[@]}" \
				-cpuprofile "$work/intake-$backend-$mode.prof" >"$work/intake-server.out" 2>>"$work/stderr.log" &
			server=$!
			for _ in $(seq 100); do [[ -s $work/intake.addr ]] && break; sleep 0.1; done
			url=$(cat "$work/intake.addr")/webhooks/shop
			for r in $(seq "$REPEAT"); do
				measure "intake-sat-$backend-$mode" "$work/loadgen" -url "$url" -workers "$INTAKE_WORKERS" -duration "${INTAKE_SECONDS}s"
				measure "intake-rate-$backend-$mode" "$work/loadgen" -url "$url" -rate "$INTAKE_RATE" -workers 256 -duration "${INTAKE_SECONDS}s"
			done
			kill -INT "$server"
			wait "$server"
			inbox=$(grep -o ' inbox=[0-9]*' "$work/intake-server.out" | cut -d= -f2)
			stored=$(grep -E " name=intake-(sat|rate)-$backend-$mode " "$results" | grep -o ' stored=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)
			if [[ $inbox != "$stored" ]]; then
				echo "bench: intake $backend $mode: the inbox holds $inbox orders, the load generator saw $stored stored" >&2
				exit 1
			fi
		done
	done
	[[ -n ${KEEP:-} ]] || psql_admin "DROP DATABASE IF EXISTS $orders_db"
	for r in $(seq "$REPEAT"); do
		measure oversell "$bench" oversell -stores "$STORES" -orders "$OVERSELL_ORDERS" -latency 20ms -batch 100
	done
fi

row() { printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5"; }
echo
echo "erpbridge benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, median of $REPEAT (naive re-projection: $NAIVE_REPEAT); load = 1-min load average before each run (median)"
echo
row figure value goal "naive baseline" load
row --- --- --- --- ---
if grep -q " name=snap-" "$results"; then
	row "ERP query alone, $SNAP_PRODUCTS products (records/s)" "$(median snap-query seconds) s ($(median snap-query rows_per_s) rows/s)" "" "" "$(median snap-query load)"
	for backend in sqlite postgres; do
		row "first read, state on $backend: wall (rows/s)" "$(median snap-first-$backend seconds) s ($(median snap-first-$backend rows_per_s) rows/s)" "" "" "$(median snap-first-$backend load)"
		row "first read, state on $backend: peak RSS" "$(median snap-first-$backend peak_rss_mb) MB" "< 250 MB" "" ""
		row "second read (1% changed), state on $backend: wall (rows/s)" "$(median snap-second-$backend seconds) s ($(median snap-second-$backend rows_per_s) rows/s)" "< 5 s" "" "$(median snap-second-$backend load)"
		row "second read, state on $backend: peak RSS" "$(median snap-second-$backend peak_rss_mb) MB" "< 250 MB" "" ""
		row "prices and stock only (kinds price,stock: the prices_stock schedule), state on $backend: wall" "$(median snap-pricestock-$backend seconds) s ($(median snap-pricestock-$backend rows_per_s) rows/s)" "" "" "$(median snap-pricestock-$backend load)"
	done
	if grep -q " name=snap-first-small " "$results"; then
		row "first / second read at $SNAP_SMALL products, sqlite: peak RSS" "$(median snap-first-small peak_rss_mb) / $(median snap-second-small peak_rss_mb) MB" "flat with size" "" "$(median snap-second-small load)"
	fi
fi
if grep -q " name=project-" "$results"; then
	row "projection from scratch, $PROJ_PRODUCTS products x $STORES stores: wall" "$(median project-scratch seconds) s" "" "" "$(median project-scratch load)"
	row "projection from scratch: peak RSS" "$(median project-scratch peak_rss_mb) MB" "" "" ""
	row "re-projection after 1% price change: wall" "$(median project-bump-incremental seconds) s" "< 2 s" "$(median project-bump-full seconds) s (full)" "$(median project-bump-incremental load)"
	row "re-projection after 1% price change: peak RSS" "$(median project-bump-incremental peak_rss_mb) MB" "< 400 MB" "$(median project-bump-full peak_rss_mb) MB (full)" ""
fi
if grep -q " name=push-" "$results"; then
	row "stock change to ack in $STORES stores (20 ms/call, batch 100): p50" "$(median push-changed p50_ms) ms" "" "$(median push-all p50_ms) ms (push all)" "$(median push-changed load)"
	row "stock change to ack: p99 over $CHANGES changes" "$(median push-changed p99_ms) ms" "< 300 ms" "$(median push-all p99_ms) ms (push all, $NAIVE_CHANGES changes)" ""
fi
if grep -q " name=intake-" "$results"; then
	for backend in sqlite postgres; do
		goal=">= 2,000"
		[[ $backend == postgres ]] && goal=">= 1,000"
		row "durable webhook intake, state on $backend: orders/s at saturation ($INTAKE_WORKERS workers)" \
			"$(median intake-sat-$backend-group orders_per_s) (errors $(median intake-sat-$backend-group errors))" "$goal" \
			"$(median intake-sat-$backend-single orders_per_s) (one transaction per order)" "$(median intake-sat-$backend-group load)"
		row "durable webhook intake, state on $backend: p50 / p99 at $INTAKE_RATE orders/s" \
			"$(median intake-rate-$backend-group p50_ms) / $(median intake-rate-$backend-group p99_ms) ms" "p99 <= 50 ms" \
			"$(median intake-rate-$backend-single p50_ms) / $(median intake-rate-$backend-single p99_ms) ms (one transaction per order)" \
			"$(median intake-rate-$backend-group load)"
	done
fi
if grep -q " name=oversell " "$results"; then
	row "oversell reaction: order at one store to lowered stock acked by $((STORES - 1)) others (20 ms/call): p50 / p99 over $OVERSELL_ORDERS orders" \
		"$(median oversell p50_ms) / $(median oversell p99_ms) ms" "p99 < 500 ms" "" "$(median oversell load)"
fi
echo
echo "raw results: $results" >&2
