#!/bin/sh
# Installs the npm packages of the ZPL rendering check (printers/render_test.go)
# from the committed package-lock.json. Idempotent: does nothing when the
# installed tree already matches the lock file.
set -eu
dir="$(cd "$(dirname "$0")/../../printers/internal/zplrender" && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "printers.sh: node and npm are needed for the ZPL rendering check (Node.js 20 or newer)" >&2
	exit 1
fi
cd "$dir"
if [ -f node_modules/.package-lock.json ] && cmp -s package-lock.json node_modules/.packline-lock; then
	exit 0
fi
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
cp package-lock.json node_modules/.packline-lock
