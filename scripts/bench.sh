#!/usr/bin/env bash
# Runs every benchmark once per package and prints the ratios the issues
# ask for against their raw baselines.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench . -benchmem -timeout 30m ./... | tee "$out"
ns() { awk -v b="$1" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($(i+1) == "ns/op") { print $i; exit } }' "$out"; }
rec=$(ns BenchmarkRecordScan)
raw=$(ns BenchmarkRawInsert)
if [ -n "$rec" ] && [ -n "$raw" ]; then
	awk -v r="$rec" -v b="$raw" 'BEGIN { printf "\nRecordScan / RawInsert = %.2fx (target <= 2x)\n", r / b }'
fi
metric() { awk -v b="$1" -v u="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($(i+1) == u) { print $i; exit } }' "$out"; }
raw=$(metric BenchmarkRawPublish events/s)
path=$(metric BenchmarkSyncPath events/s)
if [ -n "$raw" ] && [ -n "$path" ]; then
	awk -v p="$path" -v r="$raw" 'BEGIN { printf "SyncPath / RawPublish = %.2f (%.0f vs %.0f events/s; target >= 0.5)\n", p / r, p, r }'
fi
single=$(metric BenchmarkSyncPathOneEventPerMessage events/s)
if [ -n "$raw" ] && [ -n "$single" ]; then
	awk -v p="$single" -v r="$raw" 'BEGIN { printf "SyncPathOneEventPerMessage / RawPublish = %.2f (%.0f vs %.0f events/s; unbundled, for comparison)\n", p / r, p, r }'
fi
drain=$(metric BenchmarkDrain100k s/drain)
[ -n "$drain" ] && echo "100,000-event backlog drains in ${drain}s"
alloc=$(metric BenchmarkAllocate orders/s)
[ -n "$alloc" ] && echo "allocation: ${alloc} orders/s (target >= 2000)"
true
