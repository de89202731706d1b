#!/bin/sh
# Installs Debian's OpenSSH client for the SSH end-to-end test
# (tui/remote/openssh_test.go). Idempotent.
set -eu
if command -v ssh >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "openssh.sh: ssh is missing; as root run: apt-get update && apt-get install -y openssh-client" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq openssh-client >/dev/null
