#!/usr/bin/env bash
# make run: the whole system on embedded defaults with demo data.
# Starts omsd (embedded NATS + demo data), a virtual Zebra printer and
# scannerd, sets up station LON/PACK-01 with the demo catalog and runs its
# sync (central releases the demo orders to it), prints a demo shipping
# label to the virtual printer, and keeps running until Ctrl-C. Everything lives under $RUN_DIR (default .run/).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-.run}
BIN=bin
mkdir -p "$RUN_DIR/logs"

pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_port() { # host port what
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "$3 did not start; see $RUN_DIR/logs" >&2
	exit 1
}

"$BIN/omsd" --data "$RUN_DIR/omsd" --demo --http 127.0.0.1:8080 --nats-listen 127.0.0.1:4222 2>"$RUN_DIR/logs/omsd.log" &
pids+=($!)
"$BIN/vprinter" -addr 127.0.0.1:9100 -control 127.0.0.1:9101 -dir "$RUN_DIR/labels" 2>"$RUN_DIR/logs/vprinter.log" &
pids+=($!)
if [ -x "$BIN/scannerd" ]; then
	"$BIN/scannerd" --socket "$RUN_DIR/scannerd.sock" 2>"$RUN_DIR/logs/scannerd.log" &
	pids+=($!)
fi
wait_port 127.0.0.1 8080 omsd
wait_port 127.0.0.1 9100 vprinter

"$BIN/station" init --data "$RUN_DIR/station" --site LON --station PACK-01 --demo
"$BIN/station" sync --data "$RUN_DIR/station" --site LON --station PACK-01 --nats nats://127.0.0.1:4222 2>"$RUN_DIR/logs/station-sync.log" &
pids+=($!)
"$BIN/station" label shipping --demo >"$RUN_DIR/demo-label.zpl"
cat "$RUN_DIR/demo-label.zpl" >/dev/tcp/127.0.0.1/9100

cat <<INFO

Packline is running (logs in $RUN_DIR/logs):
  omsd       http://127.0.0.1:8080   try: curl -s 'http://127.0.0.1:8080/v1/orders?limit=5'
             nats://127.0.0.1:4222   metrics: http://127.0.0.1:8080/metrics
  vprinter   127.0.0.1:9100 (labels in $RUN_DIR/labels, control http://127.0.0.1:9101)
  station    LON/PACK-01, syncing with omsd   try: $BIN/station status --data $RUN_DIR/station
  scannerd   $RUN_DIR/scannerd.sock  try: printf ']E04006381333931\n' | $BIN/scannerd decode

Press Ctrl-C to stop.
INFO
wait -n "${pids[@]}"
