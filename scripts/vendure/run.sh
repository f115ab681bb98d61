#!/usr/bin/env bash
# run.sh: install, start, stop and inspect the Vendure 3 test server that the
# Vendure adapter's real-server test talks to.
#
#   run.sh install        npm ci (pinned versions from package-lock.json)
#   run.sh start [DIR]    start on 127.0.0.1:$VENDURE_PORT with a fresh data
#                         folder (DIR, or a new temporary one); waits until the
#                         Admin API answers, prints the URL and the boot time
#   run.sh status         says whether the server runs and answers
#   run.sh stop           stops the server started by start, waits for it and
#                         removes the data folder if start made it
#
# The one-time channel setup (country, zone, PLN, tax, shipping and payment
# methods) is done by the Go test itself through the Admin API, idempotently,
# so a fresh server needs nothing else.
#
# Environment: VENDURE_PORT (3055), VENDURE_SUPERADMIN_USER/_PASS
# (superadmin/superadmin), ERPBRIDGE_WEBHOOK_URL and ERPBRIDGE_WEBHOOK_SECRET
# (optional, see server.js), VENDURE_STATE_DIR (where the pid and log files
# go; default /tmp/erpbridge-vendure-$VENDURE_PORT).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${VENDURE_PORT:-3055}"
state="${VENDURE_STATE_DIR:-/tmp/erpbridge-vendure-$port}"
pidfile="$state/vendure.pid"
logfile="$state/vendure.log"
url="http://127.0.0.1:$port"
boot_timeout="${VENDURE_BOOT_TIMEOUT:-90}"

export VENDURE_DISABLE_TELEMETRY=true

# answers reports whether the Admin API answers a GraphQL query (with curl,
# or with node's fetch where curl is missing).
answers() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsS -m 3 -H 'Content-Type: application/json' \
			-d '{"query":"{ __typename }"}' "$url/admin-api" 2>/dev/null | grep -q '"__typename"'
		return
	fi
	node -e '
		fetch(process.argv[1], {method: "POST", headers: {"Content-Type": "application/json"},
			body: JSON.stringify({query: "{ __typename }"}), signal: AbortSignal.timeout(3000)})
			.then(r => r.text()).then(t => process.exit(t.includes("__typename") ? 0 : 1))
			.catch(() => process.exit(1));' "$url/admin-api"
}

# now_ms prints the time in milliseconds; secs T0 T1 prints T1-T0 in seconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() {
	local d=$(($2 - $1))
	printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
}

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

cmd_install() {
	cd "$here"
	local t0 t1
	t0=$(now_ms)
	npm ci --no-audit --no-fund
	t1=$(now_ms)
	echo "vendure: install took $(secs "$t0" "$t1") s"
}

cmd_start() {
	if running; then
		echo "vendure: already running (pid $(cat "$pidfile")) at $url" >&2
		exit 1
	fi
	if answers; then
		echo "vendure: something else already answers at $url" >&2
		exit 1
	fi
	if [[ ! -d "$here/node_modules/@vendure/core" ]]; then
		echo "vendure: not installed; run $0 install first" >&2
		exit 1
	fi
	local data="${1:-}"
	mkdir -p "$state"
	rm -f "$state/data-dir-temp"
	if [[ -z "$data" ]]; then
		data="$(mktemp -d /tmp/erpbridge-vendure-data.XXXXXX)"
		echo "$data" >"$state/data-dir-temp"
	else
		mkdir -p "$data"
		rm -f "$data/vendure.sqlite"
	fi
	mkdir -p "$state"
	: >"$logfile"
	local t0 t1
	t0=$(now_ms)
	VENDURE_PORT="$port" VENDURE_DATA_DIR="$data" \
		nohup node "$here/server.js" >>"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
	echo "$data" >"$state/data-dir"
	local deadline=$((SECONDS + boot_timeout))
	until answers; do
		if ! running; then
			echo "vendure: server exited during start; last log lines:" >&2
			tail -n 40 "$logfile" >&2
			rm -f "$pidfile"
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			echo "vendure: not ready after ${boot_timeout}s; last log lines:" >&2
			tail -n 40 "$logfile" >&2
			cmd_stop
			exit 1
		fi
		sleep 0.5
	done
	t1=$(now_ms)
	echo "vendure: ready at $url (data $data, log $logfile)"
	echo "vendure: boot took $(secs "$t0" "$t1") s"
}

cmd_status() {
	if running && answers; then
		echo "vendure: running (pid $(cat "$pidfile")) at $url"
	elif running; then
		echo "vendure: process $(cat "$pidfile") runs but $url does not answer"
		exit 1
	else
		echo "vendure: not running"
		exit 1
	fi
}

cmd_stop() {
	if ! [[ -f "$pidfile" ]]; then
		echo "vendure: not running (no pid file)"
		return 0
	fi
	local pid
	pid="$(cat "$pidfile")"
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		local deadline=$((SECONDS + 20))
		while kill -0 "$pid" 2>/dev/null; do
			if ((SECONDS >= deadline)); then
				kill -9 "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.2
		done
	fi
	rm -f "$pidfile"
	# A data folder start made itself goes with the server.
	if [[ -f "$state/data-dir-temp" ]]; then
		rm -rf -- "$(cat "$state/data-dir-temp")"
		rm -f "$state/data-dir-temp"
	fi
	echo "vendure: stopped"
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
status) cmd_status ;;
stop) cmd_stop ;;
*)
	echo "usage: $0 install|start [DATA_DIR]|status|stop" >&2
	exit 2
	;;
esac
