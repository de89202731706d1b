#!/usr/bin/env bash
# Installs what the tests need beyond Go and a C compiler. Each part lives
# in scripts/testdeps.d/ and must be idempotent: quick when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
for part in scripts/testdeps.d/*.sh; do
	[ -e "$part" ] || continue
	bash "$part"
done
