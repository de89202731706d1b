#!/bin/sh
# Installs Debian's Chromium for the customer pages' browser tests
# (central/web/browser_test.go). Idempotent: does nothing when present.
set -eu
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "chromium.sh: Chromium is missing; as root run: apt-get update && apt-get install -y chromium" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
