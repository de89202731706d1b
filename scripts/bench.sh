#!/usr/bin/env bash
# Runs every benchmark once per package and prints the ratios the issues
# ask for against their raw baselines.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench . -benchmem ./... | tee "$out"
ns() { awk -v b="$1" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($(i+1) == "ns/op") { print $i; exit } }' "$out"; }
rec=$(ns BenchmarkRecordScan)
raw=$(ns BenchmarkRawInsert)
if [ -n "$rec" ] && [ -n "$raw" ]; then
	awk -v r="$rec" -v b="$raw" 'BEGIN { printf "\nRecordScan / RawInsert = %.2fx (target <= 2x)\n", r / b }'
fi
