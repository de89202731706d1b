#!/usr/bin/env bash
# make run: the whole system on embedded defaults with demo data.
# Starts omsd (embedded NATS + demo data), a virtual Zebra printer and
# scannerd in the background, then runs the station TUI for LON/PACK-01 in
# the foreground, signed in as the demo packer, syncing with omsd and
# printing to the virtual printer. Quit the TUI (Ctrl-C) to stop it all.
# Everything lives under $RUN_DIR (default .run/).
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

"$BIN/omsd" --data "$RUN_DIR/omsd" --demo --shipping configs/shipping.example.toml --http 127.0.0.1:8080 --nats-listen 127.0.0.1:4222 2>"$RUN_DIR/logs/omsd.log" &
pids+=($!)
"$BIN/vprinter" -addr 127.0.0.1:9100 -control 127.0.0.1:9101 -dir "$RUN_DIR/labels" 2>"$RUN_DIR/logs/vprinter.log" &
pids+=($!)
scanner_flag=()
if [ -x "$BIN/scannerd" ]; then
	"$BIN/scannerd" --socket "$RUN_DIR/scannerd.sock" 2>"$RUN_DIR/logs/scannerd.log" &
	pids+=($!)
	scanner_flag=(--scanner-socket "$RUN_DIR/scannerd.sock")
fi
wait_port 127.0.0.1 8080 omsd
wait_port 127.0.0.1 9100 vprinter

# Demo SSH keys: a lead and an operator may log in to the station over SSH.
ssh_flag=()
if command -v ssh-keygen >/dev/null 2>&1; then
	mkdir -p "$RUN_DIR/station/ssh"
	for who in lead operator; do
		[ -f "$RUN_DIR/demo_$who" ] || ssh-keygen -q -t ed25519 -N '' -C "demo-$who" -f "$RUN_DIR/demo_$who"
		cp "$RUN_DIR/demo_$who.pub" "$RUN_DIR/station/ssh/${who}_keys"
	done
	ssh_flag=(--ssh 127.0.0.1:2222)
fi

cat <<INFO
Packline is running (logs in $RUN_DIR/logs):
  omsd       http://127.0.0.1:8080   try: curl -s 'http://127.0.0.1:8080/v1/orders?limit=5'
             nats://127.0.0.1:4222   metrics: http://127.0.0.1:8080/metrics
  vprinter   127.0.0.1:9100 (labels in $RUN_DIR/labels, control http://127.0.0.1:9101)
  scannerd   $RUN_DIR/scannerd.sock
  station    LON/PACK-01 in this terminal (log: $RUN_DIR/station/station.log)

Over SSH, in another terminal (the lead's floor dashboard, or the station app):
  ssh -t -p 2222 -i $RUN_DIR/demo_lead -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no lee@127.0.0.1
  ssh -t -p 2222 -i $RUN_DIR/demo_operator -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no ben@127.0.0.1

A second station, in another terminal:
  $BIN/station run --data $RUN_DIR/station2 --site LON --station PACK-02 --nats nats://127.0.0.1:4222 --printer tcp://127.0.0.1:9100 --shipping configs/shipping.example.toml --demo --operator ben

Starting the station TUI; quit it with Ctrl-C to stop everything.
INFO
sleep 1

# In the foreground: the TUI owns this terminal; its logs go to a file.
"$BIN/station" run --data "$RUN_DIR/station" --site LON --station PACK-01 \
	--nats nats://127.0.0.1:4222 --printer tcp://127.0.0.1:9100 "${scanner_flag[@]}" "${ssh_flag[@]}" \
	--omsd http://127.0.0.1:8080 --shipping configs/shipping.example.toml --demo --operator ana
